import { Icon } from '../../components/Icon';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useSync } from '../../stores/sync';
import { changes, connectionLine, directoryLine, pausedLine, plural, progressLine, queueLine, SYNC_WHILE_DESK_DOWN, waitingLine } from '../../stores/sync-text';

/*
 * Sync in the status bar, always visible: online or offline since when, what is waiting, when it
 * last all reached the server, what needs the clinician (sign in, conflicts, rejected changes), and
 * the directory (a download's progress, or how old it is). Every state has words and an icon;
 * colour only repeats them. Changes that matter are announced once, politely (SyncAnnouncer).
 */

export function SyncStatusBar() {
  const status = useSync((s) => s.status);
  const signInLink = useSync((s) => s.signInLink);
  const signIn = useSync((s) => s.signIn);
  const syncNow = useSync((s) => s.syncNow);
  const openDialog = useApp((s) => s.openDialog);
  const now = new Date(useApp((s) => s.now));
  const deskUp = useApp((s) => s.connection.status !== 'reconnecting');
  // The open draft not all saved on this desk: its save failing, or a field too long to save.
  const unsaved = useCallSession((s) => s.record?.status === 'draft' && (s.save.kind === 'failed' || s.heldBack.length > 0));

  if (status && !deskUp) {
    // The last status heard is out of date: claim nothing (not online, not synced) until the desk is back.
    const line = SYNC_WHILE_DESK_DOWN;
    return (
      <div className="sync-status" data-slot="sync-status" data-testid="sync-status">
        <p className={`status-item status-item--${line.tone}`} title={line.detail} data-testid="sync-connection">
          <Icon name={line.icon} />
          {line.text}
          <span className="visually-hidden">. {line.detail}</span>
        </p>
      </div>
    );
  }
  if (!status) {
    return (
      <div className="sync-status" data-slot="sync-status">
        <p className="status-item status-item--pending">
          <Icon name="saving" />
          Sync: checking…
        </p>
      </div>
    );
  }
  const conn = connectionLine(status, now);
  const waiting = waitingLine(status, now, unsaved);
  const paused = pausedLine(status);
  const others = queueLine(status);
  const canRetry = !status.paused && (status.connection === 'offline' || (status.waiting > 0 && status.activity === 'idle'));

  return (
    <div className="sync-status" data-slot="sync-status" data-testid="sync-status">
      <p className={`status-item status-item--${conn.tone}`} title={conn.detail} data-testid="sync-connection">
        <Icon name={conn.icon} className={conn.icon === 'saving' && status.activity !== 'idle' ? 'spin' : undefined} />
        {conn.text}
        {conn.detail && <span className="visually-hidden">. {conn.detail}</span>}
      </p>
      {paused?.kind === 'sign_in' && (
        <button type="button" className="status-button status-button--action" onClick={() => void signIn()} title={paused.detail} data-testid="sync-sign-in">
          <Icon name="user" />
          {paused.text}
        </button>
      )}
      {paused && paused.kind !== 'sign_in' && (
        <p className="status-item status-item--bad" title={paused.detail} data-testid="sync-paused">
          <Icon name="warning" />
          {paused.text}
          <span className="visually-hidden">. {paused.detail}</span>
        </p>
      )}
      {signInLink && (
        <a className="status-link" href={signInLink} target="_blank" rel="noopener noreferrer">
          Open the sign-in page
        </a>
      )}
      {waiting && (
        <p className={`status-item status-item--${waiting.tone}`} data-testid="sync-waiting">
          {waiting.tone === 'muted' ? <Icon name="check" /> : waiting.tone === 'bad' ? <Icon name="warning" /> : <Icon name="clock" />}
          {waiting.text}
        </p>
      )}
      {others && (
        <button type="button" className={`status-button status-button--shrink status-button--${others.tone === 'bad' ? 'bad' : others.tone === 'warn' ? 'warn' : 'plain'}`} onClick={() => openDialog('waiting')} title={others.detail} data-testid="sync-queues">
          <Icon name={others.tone === 'pending' ? 'clock' : 'people'} />
          <span className="status-item__text">{others.text}</span>
          <span className="visually-hidden">. {others.detail}</span>
        </button>
      )}
      {canRetry && (
        <button type="button" className="status-button" onClick={() => void syncNow()}>
          <Icon name="refresh" />
          Try now
        </button>
      )}
      {status.conflicts > 0 && (
        <button type="button" className="status-button status-button--bad" onClick={() => openDialog('conflicts')} data-testid="sync-conflicts">
          <Icon name="compare" />
          {plural(status.conflicts, 'conflict')} to resolve
        </button>
      )}
      {status.rejected > 0 && (
        <button type="button" className="status-button status-button--bad" onClick={() => openDialog('rejections')} data-testid="sync-rejected">
          <Icon name="warning" />
          {changes(status.rejected)} rejected
        </button>
      )}
    </div>
  );
}

/** The polite live region for sync: one sentence when something that matters changed. */
export function SyncAnnouncer() {
  const announcement = useSync((s) => s.announcement);
  return (
    <p className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="sync-announcement">
      {announcement?.text ?? ''}
    </p>
  );
}

/** The directory at the end of the status bar: a download's progress, or its age and any warning. */
export function DirectoryStatus() {
  const directory = useApp((s) => s.directory);
  const progress = useSync((s) => s.status?.directoryProgress ?? null);
  const configured = useSync((s) => s.status !== null && s.status.paused?.reason !== 'not_configured');
  const now = new Date(useApp((s) => s.now));
  if (progress) {
    const p = progressLine(progress);
    return (
      <div className="status-item directory-progress" data-testid="directory-progress">
        <Icon name="book" />
        {p.value === null ? (
          <progress className="directory-progress__bar" aria-label="Directory download" />
        ) : (
          <progress className="directory-progress__bar" aria-label="Directory download" value={p.value} max={p.max} />
        )}
        <span>{p.text}</span>
      </div>
    );
  }
  if (!directory) return null;
  const line = directoryLine(directory, configured, now);
  const warning = line.warnings[0];
  return (
    <p className={`status-item status-item--directory ${warning ? 'status-item--warn' : 'status-item--muted'}`} title={[...line.warnings, line.detail].join('. ')} data-testid="directory-status">
      <Icon name={warning ? 'warning' : 'book'} />
      <span className="status-item__text">{warning ? `${warning} · ${line.text}` : line.text}</span>
      <span className="visually-hidden">. {line.detail}</span>
    </p>
  );
}

/**
 * Who is using the desk, with sign out (which asks first); or a sign-in button. A person whose
 * session ended is still the desk's user (their work stays theirs) until they, or someone else,
 * signs in or they sign out. Nothing when sync is not set up.
 */
export function UserArea() {
  const status = useSync((s) => s.status);
  const signIn = useSync((s) => s.signIn);
  const requestSignOut = useSync((s) => s.requestSignOut);
  if (!status || status.paused?.reason === 'not_configured') return null;
  const { user, state } = status.session;
  if (user) {
    const roles = user.roles.map((r) => ROLE_LABELS[r]).join(', ');
    return (
      <div className="user-area" data-testid="user-area">
        <Icon name="user" />
        <span className="user-area__name" title={`${user.displayName}${roles ? ` (${roles})` : ''}`}>
          <span className="visually-hidden">{state === 'signed_in' ? 'Signed in as ' : 'Desk user: '}</span>
          {user.displayName}
          <span className="visually-hidden">{roles ? `, ${roles}` : ''}</span>
        </span>
        {state !== 'signed_in' && (
          <>
            <span className="user-area__state">session ended</span>
            <button type="button" className="header-button header-button--small" onClick={() => void signIn()}>
              <Icon name="user" />
              Sign in
            </button>
          </>
        )}
        <button type="button" className="header-button header-button--small" onClick={() => requestSignOut()} aria-haspopup="dialog">
          <Icon name="signOut" />
          Sign out…
        </button>
      </div>
    );
  }
  return (
    <div className="user-area" data-testid="user-area">
      <span className="user-area__name user-area__name--none">Not signed in</span>
      <button type="button" className="header-button header-button--small" onClick={() => void signIn()}>
        <Icon name="user" />
        Sign in
      </button>
    </div>
  );
}

const ROLE_LABELS: Record<string, string> = { clinician: 'clinician', team_lead: 'team lead', admin: 'administrator' };
