import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { DeskAccessPage } from './app/DeskAccessPage';
import { followCoreEvents } from './app/core-events';
import { installDeskClient, watchConnection, watchTabSession } from './client/desk';
import { forgetTabSession, openTabSession, type TabAccess } from './client/tab-session';
import { useApp } from './stores/app';
import { askBeforeLeavingUnsaved, retrySaves, savePendingOnHide, useCallSession } from './stores/call-session';
import { reportShellActivity } from './stores/shell-activity';
import { useSync } from './stores/sync';
import './styles/index.css';

const root = createRoot(document.getElementById('root')!);

/** The screen, once this tab can reach the core: Electron's preload client, or the browser host's for this tab's session. */
function startScreen(session: string | null): void {
  const client = installDeskClient(window, session);
  const app = useApp.getState();

  let wasOpen = false;
  watchConnection((c) => {
    useApp.getState().setConnection(c);
    if (c.status === 'open') {
      // After a reconnection (the desk restarted, or was down): save what waits on screen at once,
      // then refresh what the core knows (the list of calls, sync, the directory's date).
      if (wasOpen) {
        retrySaves();
        void useCallSession.getState().refreshCalls();
        void useSync.getState().refresh();
        void client.call('system.info', {}).then((r) => {
          if (r.ok) useApp.getState().setDirectory(r.value.directory);
        });
      }
      wasOpen = true;
    }
  });
  followCoreEvents(client);

  void client.call('system.info', {}).then((r) => {
    if (r.ok) app.setDirectory(r.value.directory);
  });
  void useSync.getState().refresh();
  void useCallSession.getState().restore();
  savePendingOnHide();
  askBeforeLeavingUnsaved();
  reportShellActivity(client);
  setInterval(() => useApp.getState().tick(), 20_000);
  if (session) {
    watchTabSession(session, () => {
      forgetTabSession(window);
      useApp.getState().addWarning(
        'This tab can no longer reach the desk (its access was set up afresh, or it moved to another address). Anything on this screen that is not saved stays here: copy it, then open Crisis Desk from a fresh address (press Enter where ./desk start runs, or run ./desk open).',
      );
    });
  }

  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

function showAccessPage(access: Exclude<TabAccess, { kind: 'ready' }>): void {
  document.title = 'Open Crisis Desk from a fresh address – Crisis Desk';
  root.render(
    <StrictMode>
      <DeskAccessPage access={access} />
    </StrictMode>,
  );
}

if (window.crisisDesk) startScreen(null);
else {
  void openTabSession(window).then((access) => (access.kind === 'ready' ? startScreen(access.session) : showAccessPage(access)));
}
