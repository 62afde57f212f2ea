import { useEffect } from 'react';
import { Kbd } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { CallPanel } from '../features/call/CallPanel';
import { DirectoryPanel } from '../features/directory/DirectoryPanel';
import { DirectoryStatus, SyncAnnouncer, SyncStatusBar, UserArea } from '../features/sync/SyncStatusBar';
import { dateDMY, relativeMoment, timeHM } from '../lib/time';
import { useApp } from '../stores/app';
import { useCallSession } from '../stores/call-session';
import { mayLeadShifts, useSync } from '../stores/sync';
import { deskLine } from './desk-text';
import { LazyDialogs, LazyShiftWorkspace } from './LazyParts';
import { shortcutKeys } from './shortcuts';
import { useShortcuts } from './useShortcuts';

/** The workspace switch: only team leads and administrators have a second workspace. */
function WorkspaceSwitch() {
  const workspace = useApp((s) => s.workspace);
  const setWorkspace = useApp((s) => s.setWorkspace);
  const lead = useSync((s) => mayLeadShifts(s.status));
  if (!lead) return null;
  return (
    <nav className="workspace-switch" aria-label="Workspaces">
      <button type="button" className="header-button" aria-pressed={workspace === 'call'} onClick={() => setWorkspace('call')}>
        <Icon name="phone" />
        Call record
      </button>
      <button type="button" className="header-button" aria-pressed={workspace === 'shift'} onClick={() => setWorkspace('shift')} data-testid="shift-workspace-button">
        <Icon name="people" />
        Shift
      </button>
    </nav>
  );
}

function Header() {
  const now = new Date(useApp((s) => s.now));
  const openDialog = useApp((s) => s.openDialog);
  const newCall = useCallSession((s) => s.newCall);
  const refreshCalls = useCallSession((s) => s.refreshCalls);
  const drafts = useCallSession((s) => s.calls.filter((c) => c.status === 'draft').length);
  return (
    <header className="app-header">
      <div className="brand">
        <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
          <rect width="32" height="32" rx="6" />
          <path d="M9 16h14M16 9v14" />
        </svg>
        <span className="brand__name">Crisis Desk</span>
        <span className="brand__sub">Mental health crisis line</span>
      </div>
      <WorkspaceSwitch />
      <div className="app-header__actions">
        <button type="button" className="header-button" onClick={() => void newCall()}>
          <Icon name="plus" />
          New call <Kbd>{shortcutKeys('newCall')}</Kbd>
        </button>
        <button
          type="button"
          className="header-button"
          onClick={() => {
            void refreshCalls();
            openDialog('calls');
          }}
        >
          <Icon name="list" />
          {/* One flex item: the button's gap would otherwise open between "(3" and ")" around the hidden words. */}
          <span>
            Calls
            {drafts > 0 && (
              <>
                {' '}({drafts}
                <span className="header-button__more"> in progress</span>)
              </>
            )}
          </span>{' '}
          <Kbd>{shortcutKeys('callsList')}</Kbd>
        </button>
        <button type="button" className="header-button" onClick={() => openDialog('shortcuts')} title="Shortcuts (?)">
          <Icon name="keyboard" />
          <span className="header-button__more">Shortcuts</span> <Kbd>?</Kbd>
        </button>
      </div>
      <UserArea />
      <p className="app-header__clock">
        <time dateTime={now.toISOString()}>
          <strong>{timeHM(now)}</strong> {dateDMY(now)}
        </time>
        <span className="muted-on-dark app-header__zone"> London</span>
      </p>
    </header>
  );
}

function StatusBar() {
  const connection = useApp((s) => s.connection);
  const now = new Date(useApp((s) => s.now));
  const calls = useCallSession((s) => s.calls);
  const overdue = calls.filter((c) => c.callbackDueAt && new Date(c.callbackDueAt).getTime() < now.getTime());
  const nextDue = calls
    .filter((c) => c.callbackDueAt && new Date(c.callbackDueAt).getTime() >= now.getTime())
    .sort((a, b) => a.callbackDueAt!.localeCompare(b.callbackDueAt!))[0];
  const conn = deskLine(connection);
  return (
    <footer className="status-bar" aria-label="Status">
      <p className={`status-item status-item--${conn.tone}`} role="status" title={conn.detail} data-testid="desk-connection">
        <Icon name={conn.icon} />
        {conn.text}
        {conn.tone === 'bad' && <span className="visually-hidden">. {conn.detail}</span>}
      </p>
      <SyncStatusBar />
      {overdue.length > 0 ? (
        <p className="status-item status-item--bad">
          <Icon name="warning" />
          {overdue.length === 1 ? '1 callback overdue' : `${overdue.length} callbacks overdue`} (Alt+L)
        </p>
      ) : nextDue ? (
        <p className="status-item">
          <Icon name="clock" />
          Next callback {relativeMoment(nextDue.callbackDueAt!, now)}
        </p>
      ) : null}
      <span className="spacer" />
      <DirectoryStatus />
      <SyncAnnouncer />
    </footer>
  );
}

function CoreWarnings() {
  const warnings = useApp((s) => s.warnings);
  const dismiss = useApp((s) => s.dismissWarning);
  if (warnings.length === 0) return null;
  return (
    <div className="core-warnings" role="alert">
      {warnings.map((w, i) => (
        <p key={i} className="notice notice--error">
          <Icon name="warning" />
          <span className="notice__body">{w}</span>
          <button type="button" className="button button--small button--secondary" onClick={() => dismiss(i)}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  );
}

function Toast() {
  const toast = useApp((s) => s.toast);
  const clear = useApp((s) => s.clearToast);
  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => clear(toast.id), 5000);
    return () => clearTimeout(t);
  }, [toast, clear]);
  return (
    <div className={`toast${toast ? ` toast--${toast.tone} toast--shown` : ''}`} role="status" aria-live="polite" aria-atomic="true">
      {toast && (
        <>
          <Icon name={toast.tone === 'success' ? 'check' : toast.tone === 'warning' ? 'warning' : 'info'} />
          <span>{toast.message}</span>
        </>
      )}
    </div>
  );
}

export function App() {
  useShortcuts();
  const shift = useApp((s) => s.workspace === 'shift');
  return (
    <div className="app">
      <a className="skip-link" href="#call-record">
        Skip to the call record
      </a>
      <a className="skip-link" href="#directory">
        Skip to the directory
      </a>
      <Header />
      {/* The call workspace stays mounted while the Shift workspace is shown: typing in the open record keeps saving. */}
      <main className="workspace" aria-labelledby="page-title" hidden={shift}>
        <h1 className="visually-hidden" id="page-title">
          Call workspace
        </h1>
        <CoreWarnings />
        <CallPanel />
        <DirectoryPanel />
      </main>
      {shift && (
        <main className="workspace workspace--shift" aria-labelledby="shift-page-title">
          <h1 className="visually-hidden" id="shift-page-title">
            Shift workspace
          </h1>
          <CoreWarnings />
          <LazyShiftWorkspace />
        </main>
      )}
      <StatusBar />
      <Toast />
      <LazyDialogs />
    </div>
  );
}
