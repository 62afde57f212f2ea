import type { TabAccess } from '../client/tab-session';

/*
 * What a browser tab shows when it cannot reach the desk on this computer: opened without a code
 * (a bookmark, a closed tab's address), with a code already used or out of date, or after the
 * desk's access was set up afresh. Each address Crisis Desk prints opens one tab, once; this page
 * says how to get a fresh one. Nothing of the desk is shown or kept here.
 */

const WHY: Record<Exclude<TabAccess, { kind: 'ready' }>['reason'], string> = {
  no_session: 'This tab is not connected to the desk on this computer.',
  code_refused: 'This address has been used already, or is out of date.',
  session_ended: 'This tab’s access to the desk has ended.',
  unreachable: 'The desk on this computer did not answer.',
};

export function DeskAccessPage({ access }: { access: Exclude<TabAccess, { kind: 'ready' }> }) {
  return (
    <main className="access-page">
      <div className="access-page__card">
        <h1>Open Crisis Desk from a fresh address</h1>
        <p className="access-page__why" role="alert">
          {WHY[access.reason]}
        </p>
        <p>For your patients’ safety, each address Crisis Desk gives opens one tab, once, and only on this computer. To get a new one:</p>
        <ul>
          <li>
            press <kbd>Enter</kbd> in the terminal where Crisis Desk is running (<code>./desk start</code>), or
          </li>
          <li>
            run <code>./desk open</code> in the Crisis Desk folder.
          </li>
        </ul>
        <p>Nothing you saved is lost: it is kept on this computer, and the desk opens where you left it.</p>
      </div>
    </main>
  );
}
