/*
 * Electron main: the desktop shell (DESIGN.md §2, §7). Thin on purpose: it connects Electron's
 * objects and events to the plain modules beside it, which hold the rules and are unit-tested
 * without Electron. Nothing here touches SQL or sync; the core runs in a utilityProcess.
 *
 *   main ──utilityProcess.fork──► core (entry bundle): init · tokens · status counts (parentPort)
 *     │  MessageChannelMain per page load: port1 → core, port2 → preload
 *     ▼
 *   BaseWindow ┬─ screen view  (app://desk, preload → window.crisisDesk: call / on over the port)
 *              └─ shell view   (app://shell, no script: lock, passcode, fatal screen) on top when shown
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  app,
  BaseWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  net,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  utilityProcess,
  WebContentsView,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { SCREEN_CHANNELS } from '../../shared/contract';
import { CORE_PROCESS_V8_FLAGS } from '../node/core-process';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, originOf, RENDERER_ENTRY, SHELL_ORIGIN, serveRenderer } from './app-protocol';
import { CoreSupervisor, type CoreState } from './core-supervisor';
import { DeskKeyStore } from './desk-key';
import { readTextIfExists, writeFileDurably } from '../node/durable-file';
import { IdleLock } from './idle-lock';
import { saveExport, SAVE_DIALOG_FILTERS } from './export-save';
import { LastSyncFile, unsyncedWarning } from './last-sync';
import { loopbackOrHttps, shellCall } from './shell-ipc';
import { menuTemplate, type ScreenShortcut } from './menu';
import { openidClientOps } from '../node/oidc-client';
import { PasscodeFile } from './passcode';
import { plutilReader, readMachinePolicy } from './machine-policy';
import { effectiveSettings, parseUserSettings, policyHash, type EffectiveSettings } from './policy';
import { regExeReader } from './policy-registry';
import { UpdateController, type DeskActivity } from './updater';
import { handleShellRequest, type ShellView } from './shell-pages';
import { DesktopSignIn, sessionInfo } from './sign-in';
import { startLoopbackRedirect } from './loopback-redirect';
import { allowNavigation, isAllowedExternalLink, isTrustedSender, permissionCheckHandler, permissionRequestHandler, secureWebPreferences, weakWebPreferences, windowOpenDecision } from './web-security';
import { restoreWindowState, serializeWindowState } from './window-state';


const here = import.meta.dirname;
const preloadPath = path.join(here, 'preload.cjs');
const coreEntry = path.join(here, 'core.mjs');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

/**
 * The one place an address leaves for the system browser: an allow-listed https link the screen
 * tried to open, or the identity provider's sign-in page (https, or the demo provider on this
 * machine). Anything else is refused here, whoever asked.
 */
async function openInBrowser(url: string, purpose: 'link' | 'sign-in'): Promise<void> {
  const allowed = purpose === 'link' ? isAllowedExternalLink(url) : loopbackOrHttps(url);
  if (!allowed) throw new Error(`Refused to open ${purpose === 'link' ? 'a link' : 'a sign-in page'} that is not allowed.`);
  await shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK: the address passed the allow-list just above
}

async function main(): Promise<void> {
  let window: BaseWindow | null = null;
  let screenView: WebContentsView | null = null;
  let shellView: WebContentsView | null = null;
  let screenConnected = false;
  let refused: Extract<ShellView, { page: 'refused' }> | null = null;
  let keyFailed = false;
  let deskKeyHex: string | null = null;
  let deskId: string | null = null;
  let activity: DeskActivity = { callOpen: false, savePending: false };
  let updates: UpdateController | null = null;
  const csrf = randomBytes(32).toString('base64url');

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });

  // Every web contents, whoever makes it: no webviews, no navigation away, no new windows, no weakened preferences.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    const guard = (event: Electron.Event, url: string) => {
      if (!allowNavigation(url, contents === shellView?.webContents ? 'shell' : 'renderer')) event.preventDefault();
    };
    contents.on('will-navigate', (event) => guard(event, event.url));
    contents.on('will-frame-navigate', (event) => guard(event, event.url));
    contents.on('will-redirect', (event) => guard(event, event.url));
    contents.setWindowOpenHandler(({ url }) => {
      if (windowOpenDecision(url).openExternally) void openInBrowser(url, 'link').catch(() => {});
      return { action: 'deny' };
    });
  });

  await app.whenReady();

  // The machine policy first: a bad one fails closed before anything opens.
  // Group Policy / Intune in the registry on Windows, a configuration profile on macOS, and the file everywhere.
  const policy = readMachinePolicy({
    platform: process.platform,
    env: process.env,
    readText: readTextIfExists,
    registry: process.platform === 'win32' ? regExeReader() : undefined,
    readPlist: process.platform === 'darwin' ? plutilReader : undefined,
    fileOverride: (!app.isPackaged && process.env.CRISIS_DESK_POLICY_FILE) || null,
  });
  if (policy.kind === 'invalid') {
    dialog.showErrorBox('Crisis Desk cannot start', policy.message);
    app.exit(1);
    return;
  }
  if (policy.kind === 'ok' && policy.ignoredKeys.length) console.warn(`policy: ignoring unknown keys in ${policy.file}: ${policy.ignoredKeys.join(', ')}`);
  const userDir = app.getPath('userData');
  const dataDir = (!app.isPackaged && process.env.CRISIS_DESK_DATA_DIR) || path.join(userDir, 'desk');
  const settings: EffectiveSettings = effectiveSettings(
    policy.kind === 'ok' ? policy.policy : null,
    parseUserSettings(readTextIfExists(path.join(userDir, 'settings.json')), app.isPackaged ? {} : process.env),
    { packaged: app.isPackaged },
  );

  // Sessions: every permission denied, no network for web contents (the screen talks to the core over a port).
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler(permissionRequestHandler);
  ses.setPermissionCheckHandler(permissionCheckHandler);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*'] }, (_d, callback) => callback({ cancel: true }));
  ses.on('will-download', (event) => event.preventDefault());
  const rendererRoot = path.join(app.getAppPath(), 'dist', 'renderer');

  const keys = new DeskKeyStore(dataDir, safeStorage);
  const lastSync = new LastSyncFile(dataDir);
  const passcodes = new PasscodeFile(dataDir);
  const signIn = settings.serverUrl
    ? new DesktopSignIn({
        oidc: openidClientOps(settings.serverUrl),
        safeStorage,
        dir: dataDir,
        trust: settings.trust,
        startLoopback: startLoopbackRedirect,
        openBrowser: (url) => openInBrowser(url, 'sign-in'),
        // Where safeStorage cannot protect it (Linux without a keyring) no refresh token is written, nor is signing in offered.
        protection: async () => {
          const p = await keys.protection();
          return p.ok ? p : { ok: false, message: p.message };
        },
      })
    : null;

  const lock = new IdleLock(
    {
      passcodes,
      idleSeconds: () => powerMonitor.getSystemIdleTime(),
      onChange: () => {
        buildMenu(); // "Lock" is enabled once a passcode exists
        refresh();
      },
    },
    settings.idleLockMinutes,
  );
  powerMonitor.on('lock-screen', () => lock.lock('system'));
  powerMonitor.on('suspend', () => lock.lock('system'));

  const supervisor = new CoreSupervisor({
    spawn: () => utilityProcess.fork(coreEntry, [], { serviceName: 'Crisis Desk core', stdio: 'inherit', execArgv: [...CORE_PROCESS_V8_FLAGS] }),
    init: () => ({
      kind: 'init',
      dataDir,
      geoDir: app.isPackaged ? path.join(process.resourcesPath, 'geo') : path.join(app.getAppPath(), 'data', 'geo'),
      deskKeyHex: deskKeyHex!,
      appVersion: app.getVersion(),
      ...(settings.serverUrl ? { serverUrl: settings.serverUrl } : {}),
    }),
    tokens: {
      token: async (userId) => (signIn ? signIn.token(userId) : { accessToken: null }),
      renew: async (userId) => (signIn ? signIn.renew(userId) : { accessToken: null }),
    },
    session: () => sessionInfo(signIn),
    onState: (state) => coreChanged(state),
    onSignInRequested: () => void startSignIn(),
    onSignOutRequested: () => signIn?.signOut(),
    onReleaseSession: (userId) => signIn?.release(userId),
    onStatus: (counts) => {
      try {
        lastSync.record(counts);
      } catch {
        // the counts are a convenience for the reset warning; never a reason to stop
      }
    },
  });

  signIn?.onChange((s) => {
    supervisor.sessionChanged();
    // The feed needs a signed-in desk: look as soon as someone signs in.
    if (s.status === 'signed_in') void updates?.check();
    buildMenu();
    refresh();
  });

  /**
   * A fresh sign-in as the lock's owner opens it; anyone else's is refused while it is locked (and
   * revoked). A failed or abandoned attempt opens nothing, even with a session kept from before.
   * The first sign-in, and a new clinician's, asks for their passcode. Nothing while the desk is
   * refused (no keyring): no token could be kept safely.
   */
  async function startSignIn(): Promise<void> {
    if (!signIn || refused) return;
    await signIn.signIn({ admit: (who) => lock.admits(who.subject), onSignedIn: (who) => lock.signedIn(who), onRefused: (message) => lock.refused(message) });
    refresh();
  }

  function coreChanged(state: CoreState): void {
    if (state.status === 'ready') {
      deskId = state.clientId;
      updates?.start();
      if (screenConnected) connectScreen();
    } else if (state.status !== 'starting') {
      screenView?.webContents.send(SCREEN_CHANNELS.coreDown);
    }
    refresh();
  }

  /** What covers the screen now: refusals, then the lock, then the core's troubles. */
  function currentView(): ShellView {
    if (refused) return refused;
    const l = lock.current;
    if (l.screen === 'lock') return { page: 'lock', reason: l.reason, message: l.message, retryAt: l.retryAt, signingIn: signIn?.current.status === 'signing_in', signInAvailable: signIn !== null };
    if (l.screen === 'set-passcode') return { page: 'set-passcode', message: l.message, ownerName: l.owner.name };
    const warning = () => unsyncedWarning(lastSync.read(), settings.serverUrl !== null);
    if (keyFailed) return { page: 'failed', message: 'Crisis Desk cannot unlock the encryption key of this desk’s records. This happens when the desk’s files were copied from another computer or user account, or the computer’s key storage was reset.', canReset: true, unsyncedWarning: warning(), canRetry: true };
    const core = supervisor.current;
    // The first start shows the screen as soon as it is there (its calls wait for the core); a restart stays covered until ready.
    if (core.status === 'starting' && (!screenConnected || core.attempt > 1)) return { page: 'starting' };
    if (core.status === 'restarting') return { page: 'restarting', message: core.error.message, inMs: core.inMs, attempt: core.attempt };
    if (core.status === 'failed') return { page: 'failed', message: core.error.message, canReset: core.needsReset, unsyncedWarning: core.needsReset ? warning() : null, canRetry: true };
    return { page: 'none' };
  }

  let lastLockState = JSON.stringify(lock.state);
  let lastView = '';
  function refresh(): void {
    if (!window || !screenView || !shellView) return;
    const view = currentView();
    const key = JSON.stringify(view);
    const changed = key !== lastView;
    lastView = key;
    const covered = view.page !== 'none';
    shellView.setVisible(covered);
    screenView.setVisible(!covered);
    // Reloaded only when what it shows changed, so a half-typed passcode is not wiped.
    if (covered && changed) void shellView.webContents.loadURL(`${SHELL_ORIGIN}/`);
    if (!covered && changed) screenView.webContents.focus();
    const lockState = JSON.stringify(lock.state);
    if (lockState !== lastLockState) {
      lastLockState = lockState;
      screenView.webContents.send(SCREEN_CHANNELS.event, 'app.lock', lock.state);
    }
  }

  function connectScreen(): void {
    if (!screenView) return;
    const { port1, port2 } = new MessageChannelMain();
    if (!supervisor.connect(port1)) return;
    screenView.webContents.postMessage(SCREEN_CHANNELS.port, null, [port2]);
  }

  const screenIds = new Set<number>();
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent) => isTrustedSender({ sender: event.sender, senderFrame: event.senderFrame }, screenIds);
  ipcMain.on(SCREEN_CHANNELS.hello, (event) => {
    if (!trusted(event)) return;
    screenConnected = true;
    connectScreen();
    refresh();
  });
  ipcMain.handle(SCREEN_CHANNELS.shell, (event, method: unknown, params: unknown) => {
    if (!trusted(event)) return { ok: false, error: { code: 'unknown_method', message: 'Refused.' } };
    return shellCall(method, params, {
      lockNow: () => lock.lock('manual'),
      lockState: () => lock.state,
      activity: (a) => {
        activity = a;
        updates?.activityChanged();
      },
      saveExport: (params) =>
        saveExport(params, {
          chooseFile: async (suggestedName, format) => {
            const options = { title: 'Save the shift summary', defaultPath: path.join(app.getPath('documents'), suggestedName), filters: [SAVE_DIALOG_FILTERS[format]], properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[] };
            const chosen = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
            return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
          },
          exportToPath: (p) => supervisor.exportToPath(p),
        }),
    });
  });

  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    if (originOf(url) === SHELL_ORIGIN) {
      return handleShellRequest(request, {
        view: currentView,
        csrf,
        actions: {
          unlock: async (passcode) => void (await lock.unlock(passcode)),
          signIn: () => void startSignIn(),
          choosePasscode: async (p, c) => void (await lock.choosePasscode(p, c)),
          retry: () => {
            if (keyFailed) void openDesk();
            else supervisor.retry();
          },
          resetDesk: async () => {
            keys.resetDesk();
            await openDesk();
          },
          quit: () => app.quit(),
        },
      });
    }
    return serveRenderer(rendererRoot, request);
  });

  /** Unwraps (or makes) the desk key and starts the core; a key problem shows the fatal screen instead. */
  async function openDesk(): Promise<void> {
    const key = await keys.load();
    keyFailed = key.kind === 'unwrap_failed';
    if (key.kind === 'refused') {
      refused = { page: 'refused', title: 'Crisis Desk cannot protect patient data here', message: key.message };
      // A session kept by an earlier version was only obfuscated here: it goes (and is revoked when the provider can be reached).
      signIn?.signOut();
      buildMenu();
    }
    if (key.kind !== 'ok') return refresh();
    deskKeyHex = key.key.toString('hex');
    if (supervisor.current.status === 'stopped') supervisor.start();
    else supervisor.retry();
  }

  function buildMenu(): void {
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          platform: process.platform,
          devTools: settings.devTools,
          signedIn: signIn?.signedIn ?? false,
          signInAllowed: refused === null,
          lockArmed: lock.armed,
          updateReady: updates?.current.status === 'ready' || updates?.current.status === 'waiting' ? updates.current.version : null,
          actions: {
            sendKey: (sc: ScreenShortcut) => sendKey(sc),
            lockNow: () => lock.lock('manual'),
            signIn: () => void startSignIn(),
            signOut: () => signIn?.signOut(),
            quit: () => app.quit(),
            about: () =>
              void dialog.showMessageBox({
                type: 'info',
                title: 'About Crisis Desk',
                message: `Crisis Desk ${app.getVersion()}`,
                detail: `Server: ${settings.serverUrl ?? 'none (offline only)'}\nIdle lock: ${settings.idleLockMinutes} minutes (${settings.sources.idleLockMinutes})\nUpdates: ${settings.updates.mode}, ${settings.updates.ring} ring${settings.updates.pinVersion ? `, pinned to ${settings.updates.pinVersion}` : ''} — ${updateSummary()}\nMachine policy: ${policy.kind === 'ok' ? `${policy.file} (${policyHash(policy.policy)})` : 'none'}`,
              }),
            installUpdate: () => {
              const r = updates?.installNow();
              if (r && !r.ok) void dialog.showMessageBox({ type: 'info', title: 'Update waits', message: r.message });
            },
            toggleDevTools: () => settings.devTools && screenView?.webContents.toggleDevTools(),
          },
        }),
      ),
    );
  }

  function sendKey(sc: ScreenShortcut): void {
    if (!screenView || currentView().page !== 'none') return;
    screenView.webContents.focus();
    screenView.webContents.sendInputEvent({ type: 'keyDown', keyCode: sc.keyCode, modifiers: sc.modifiers });
    screenView.webContents.sendInputEvent({ type: 'keyUp', keyCode: sc.keyCode, modifiers: sc.modifiers });
  }

  function hardenView(contents: WebContents): void {
    if (!settings.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
  }

  function createWindow(): void {
    const stateFile = path.join(userDir, 'window-state.json');
    const saved = restoreWindowState(readTextIfExists(stateFile), screen.getAllDisplays().map((d) => d.workArea));
    const win = new BaseWindow({ ...saved.bounds, minWidth: 1024, minHeight: 640, title: 'Crisis Desk', show: false, backgroundColor: '#f0f4f5' });
    window = win;
    if (saved.maximized) win.maximize();
    win.setContentProtection(settings.contentProtection);
    const prefs = secureWebPreferences(preloadPath, settings.devTools);
    const weak = weakWebPreferences(prefs, [preloadPath]);
    if (weak.length) throw new Error(`refusing weak webPreferences: ${weak.join(', ')}`);
    screenView = new WebContentsView({ webPreferences: prefs });
    shellView = new WebContentsView({ webPreferences: secureWebPreferences(null, false) });
    screenIds.add(screenView.webContents.id);
    hardenView(screenView.webContents);
    hardenView(shellView.webContents);
    // The screen's own process crashed: load it again (its preload says hello and gets a new port).
    const screenContents = screenView.webContents;
    screenContents.on('render-process-gone', () => {
      screenConnected = false;
      setTimeout(() => void screenContents.loadURL(RENDERER_ENTRY), 1000);
    });
    win.contentView.addChildView(screenView);
    win.contentView.addChildView(shellView);
    const layout = () => {
      const { width, height } = win.getContentBounds();
      screenView?.setBounds({ x: 0, y: 0, width, height });
      shellView?.setBounds({ x: 0, y: 0, width, height });
    };
    layout();
    let saveTimer: ReturnType<typeof setTimeout> | null = null;
    const save = () => {
      try {
        writeFileDurably(stateFile, serializeWindowState(win.getNormalBounds(), win.isMaximized()));
      } catch {
        // the window's position is a comfort, never a reason to fail
      }
    };
    win.on('resize', () => {
      layout();
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 500);
    });
    win.on('move', () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 500);
    });
    win.on('close', save);
    win.on('closed', () => {
      window = null;
      screenView = null;
      shellView = null;
    });
    void screenView.webContents.loadURL(RENDERER_ENTRY);
    refresh();
    win.show();
  }

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    updates?.stop();
    lock.stop();
    supervisor.stop();
  });

  function updateSummary(): string {
    const u = updates?.current;
    if (!u) return app.isPackaged ? 'no updater for this package type' : 'development build: no updates';
    if (u.status === 'off') return u.why;
    if (u.status === 'refused' || u.status === 'failed') return u.message;
    if (u.status === 'waiting') return u.why;
    return 'version' in u ? `${u.status} ${u.version}` : u.status;
  }

  /** electron-updater for this package (NSIS on Windows, deb, macOS zip); packaged builds with a server only. */
  async function startUpdates(): Promise<void> {
    if (!app.isPackaged || !settings.serverUrl) return;
    const { NsisUpdater, DebUpdater, MacUpdater } = await import('electron-updater');
    const packageType = readTextIfExists(path.join(process.resourcesPath, 'package-type'))?.trim();
    const updater = process.platform === 'win32' ? new NsisUpdater() : process.platform === 'darwin' ? new MacUpdater() : packageType === 'deb' ? new DebUpdater() : null;
    if (!updater) return;
    updates = new UpdateController({
      updater,
      serverUrl: settings.serverUrl,
      mode: settings.updates.mode,
      ring: settings.updates.ring,
      pinVersion: settings.updates.pinVersion,
      currentVersion: app.getVersion(),
      platform: process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux',
      arch: process.arch === 'arm64' ? 'arm64' : 'x64',
      policyHash: policyHash(policy.kind === 'ok' ? policy.policy : null),
      deskId: () => deskId,
      accessToken: async () => (signIn ? (await signIn.token()).accessToken : null),
      activity: () => activity,
      idle: () => lock.state.locked || powerMonitor.getSystemIdleTime() >= 300,
      lastSyncAt: () => lastSync.read()?.lastSyncedAt ?? null,
      fetch: (input, init) => net.fetch(input instanceof URL ? input.toString() : input, init),
      onState: () => buildMenu(),
      log: { info: (m) => console.log(m), warn: (m) => console.warn(m) },
    });
    if (deskId) updates.start();
  }

  createWindow();
  buildMenu();
  await startUpdates().catch((e: Error) => console.warn(`updates: could not start (${e.message})`));
  await signIn?.restore();
  lock.start();
  await openDesk();
  refresh();
}
