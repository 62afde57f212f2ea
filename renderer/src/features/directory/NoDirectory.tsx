import type { ReactNode } from 'react';
import { Icon } from '../../components/Icon';
import { timeHM } from '../../lib/time';
import { useSync } from '../../stores/sync';
import { progressLine } from '../../stores/sync-text';

/**
 * A desk with no directory yet: said in place of results (never "0 services within 25 km", which
 * reads as "nothing nearby"), with how it arrives: signing in, the download under way, or IT.
 */
export function NoDirectory() {
  const status = useSync((s) => s.status);
  const signIn = useSync((s) => s.signIn);
  const progress = status?.directoryProgress ?? null;
  let how: ReactNode;
  if (progress) {
    how = <p>{progressLine(progress).text} Results appear as soon as it is in place.</p>;
  } else if (!status || status.paused?.reason === 'not_configured') {
    how = <p>This desk has no server to download it from. Ask your IT team to set Crisis Desk up with your trust’s server.</p>;
  } else if (!status.signedIn) {
    how = (
      <>
        <p>It downloads from your trust’s server once you sign in.</p>
        <button type="button" className="button" onClick={() => void signIn()}>
          <Icon name="user" />
          Sign in to sync
        </button>
      </>
    );
  } else if (status.connection === 'offline') {
    how = <p>It downloads as soon as the server can be reached{status.offlineSince ? ` (offline since ${timeHM(status.offlineSince)})` : ''}.</p>;
  } else {
    how = <p>You are signed in: the download starts in a moment.</p>;
  }
  return (
    <div className="pane__body directory-empty directory-empty--none" data-testid="no-directory">
      <Icon name="book" className="directory-empty__icon" />
      <p className="directory-empty__title">No directory on this desk yet</p>
      <p>Until it arrives there are no services to search here: this is not a sign that there is nothing near the caller.</p>
      {how}
    </div>
  );
}
