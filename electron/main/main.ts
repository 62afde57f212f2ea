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
import { app, dialog, ipcMain, Menu, MessageChannelMain, powerMonitor, protocol, safeStorage, session, shell, utilityProcess, type WebContents } from 'electron';
import { SCREEN_CHANNELS } from '../../shared/contract';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../node/core-process';
import { readTextIfExists } from '../node/durable-file';
import { openidClientOps, signInProviderOf } from '../node/oidc-client';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, originOf, SHELL_ORIGIN, serveRenderer } from './app-protocol';
import { CoreSupervisor, type CoreState } from './core-supervisor';
import { DeskKeyStore } from './desk-key';
import { DeskUpdates } from './desk-updates';
import { DeskWindow } from './desk-window';
import { saveExport, SAVE_DIALOG_FILTERS } from './export-save';
import { IdleLock } from './idle-lock';
import { LastSyncFile, unsyncedWarning } from './last-sync';
import { startLoopbackRedirect } from './loopback-redirect';
import { plutilReader, readMachinePolicy } from './machine-policy';
import { menuTemplate } from './menu';
import { PasscodeFile } from './passcode';
import { effectiveSettings, parseUserSettings, policyHash, type EffectiveSettings, type PolicyLoad } from './policy';
import { regExeReader } from './policy-registry';
import { handleShellRequest, type ShellView } from './shell-pages';
import { loopbackOrHttps, shellCall } from './shell-ipc';
import { DesktopSignIn, sessionInfo } from './sign-in';
import { allowNavigation, isAllowedExternalLink, permissionCheckHandler, permissionRequestHandler, windowOpenDecision } from './web-security';

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
  const window = new DeskWindow(preloadPath);
  guardApp(window);
  await app.whenReady();
  const startup = readStartup();
  if (!startup) return;
  lockDownSession();
  await new Desk(window, startup).open();
}

/** Before anything opens: a second start raises this window; every web contents is held to the rules. */
function guardApp(window: DeskWindow): void {
  app.on('second-instance', () => window.bringToFront());
  // Every web contents, whoever makes it: no webviews, no navigation away, no new windows, no weakened preferences.
  app.on('web-contents-created', (_e, contents) => guardContents(contents, () => window.isShell(contents)));
}

function guardContents(contents: WebContents, isShell: () => boolean): void {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  const guard = (event: Electron.Event, url: string) => {
    if (!allowNavigation(url, isShell() ? 'shell' : 'renderer')) event.preventDefault();
  };
  contents.on('will-navigate', (event) => guard(event, event.url));
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
  contents.on('will-redirect', (event) => guard(event, event.url));
  contents.setWindowOpenHandler(({ url }) => {
    if (windowOpenDecision(url).openExternally) void openInBrowser(url, 'link').catch(() => {});
    return { action: 'deny' };
  });
}

interface Startup {
  policy: Exclude<PolicyLoad, { kind: 'invalid' }>;
  settings: EffectiveSettings;
  userDir: string;
  dataDir: string;
}

/**
 * The machine policy first: a bad one fails closed before anything opens (null: the app is exiting).
 * Group Policy / Intune in the registry on Windows, a configuration profile on macOS, and the file everywhere.
 */
function readStartup(): Startup | null {
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
    return null;
  }
  if (policy.kind === 'ok' && policy.ignoredKeys.length) console.warn(`policy: ignoring unknown keys in ${policy.file}: ${policy.ignoredKeys.join(', ')}`);
  const userDir = app.getPath('userData');
  const dataDir = (!app.isPackaged && process.env.CRISIS_DESK_DATA_DIR) || path.join(userDir, 'desk');
  const settings = effectiveSettings(
    policy.kind === 'ok' ? policy.policy : null,
    parseUserSettings(readTextIfExists(path.join(userDir, 'settings.json')), app.isPackaged ? {} : process.env),
    { packaged: app.isPackaged },
  );
  return { policy, settings, userDir, dataDir };
}

/** Sessions: every permission denied, no network for web contents (the screen talks to the core over a port). */
function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler(permissionRequestHandler);
  ses.setPermissionCheckHandler(permissionCheckHandler);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*'] }, (_d, callback) => callback({ cancel: true }));
  ses.on('will-download', (event) => event.preventDefault());
}

/** The desk key as far as main knows it: unwrapped for the core, or why the desk cannot open. */
interface KeyState {
  /** The unwrapped key, handed to the core by message at each start. */
  hex: string | null;
  /** It would not unwrap (copied from elsewhere, key storage reset): the fatal page offers a reset. */
  failed: boolean;
  /** The desk may not hold patient data here at all (no keyring): a page says so and signing in is off. */
  refused: Extract<ShellView, { page: 'refused' }> | null;
}

/**
 * The desktop shell at run time: the window, the core process, the sign-in session, the idle lock
 * and updates, each its own object; this class only connects their events.
 */
class Desk {
  private readonly settings: EffectiveSettings;
  private readonly keys: DeskKeyStore;
  private readonly lastSync: LastSyncFile;
  private readonly signIn: DesktopSignIn | null;
  private readonly lock: IdleLock;
  private readonly supervisor: CoreSupervisor;
  private readonly updates: DeskUpdates;
  private readonly key: KeyState = { hex: null, failed: false, refused: null };
  /** The desk's sync client id, once the core said it is ready. */
  private deskId: string | null = null;
  /** What the screen last heard of the lock (it is told only of changes). */
  private lastLockState: string;
  private readonly csrf = randomBytes(32).toString('base64url');
  private readonly rendererRoot = path.join(app.getAppPath(), 'dist', 'renderer');
  private quitting = false;

  constructor(
    private readonly window: DeskWindow,
    private readonly startup: Startup,
  ) {
    const { settings, dataDir } = startup;
    this.settings = settings;
    this.keys = new DeskKeyStore(dataDir, safeStorage);
    this.lastSync = new LastSyncFile(dataDir, undefined, () => {
      // the counts are a convenience for the reset warning; never a reason to stop
    });
    this.signIn = this.createSignIn();
    this.lock = new IdleLock(
      {
        passcodes: new PasscodeFile(dataDir),
        idleSeconds: () => powerMonitor.getSystemIdleTime(),
        onChange: () => {
          this.buildMenu(); // "Lock" is enabled once a passcode exists
          this.refresh();
        },
      },
      settings.idleLockMinutes,
    );
    this.lastLockState = JSON.stringify(this.lock.state);
    this.supervisor = this.createSupervisor();
    this.updates = new DeskUpdates({
      settings,
      policyHash: policyHash(startup.policy.kind === 'ok' ? startup.policy.policy : null),
      deskId: () => this.deskId,
      accessToken: async () => (this.signIn ? (await this.signIn.token()).accessToken : null),
      locked: () => this.lock.state.locked,
      idleSeconds: () => powerMonitor.getSystemIdleTime(),
      lastSyncAt: () => this.lastSync.read()?.lastSyncedAt ?? null,
      onState: () => this.buildMenu(),
    });
  }

  async open(): Promise<void> {
    powerMonitor.on('lock-screen', () => this.lock.lock('system'));
    powerMonitor.on('suspend', () => this.lock.lock('system'));
    this.signIn?.onChange((s) => {
      this.supervisor.sessionChanged();
      if (s.status === 'signed_in') this.updates.check();
      this.buildMenu();
      this.refresh();
    });
    this.listenToScreen();
    protocol.handle(APP_SCHEME, (request) => this.serve(request));
    app.on('window-all-closed', () => app.quit());
    app.on('before-quit', (event) => this.beforeQuit(event));

    this.window.create({ userDir: this.startup.userDir, devTools: this.settings.devTools, contentProtection: this.settings.contentProtection });
    this.refresh();
    this.window.reveal();
    this.buildMenu();
    await this.updates.start().catch((e: Error) => console.warn(`updates: could not start (${e.message})`));
    await this.signIn?.restore();
    this.lock.start();
    await this.openDesk();
    this.refresh();
  }

  private createSignIn(): DesktopSignIn | null {
    const { settings, dataDir } = this.startup;
    if (!settings.serverUrl) return null;
    return new DesktopSignIn({
      oidc: openidClientOps(() => signInProviderOf(settings.serverUrl!)),
      safeStorage,
      dir: dataDir,
      trust: settings.trust,
      startLoopback: startLoopbackRedirect,
      openBrowser: (url) => openInBrowser(url, 'sign-in'),
      // Where safeStorage cannot protect it (Linux without a keyring) no refresh token is written, nor is signing in offered.
      protection: async () => {
        const p = await this.keys.protection();
        return p.ok ? p : { ok: false, message: p.message };
      },
    });
  }

  private createSupervisor(): CoreSupervisor {
    const { settings, dataDir } = this.startup;
    return new CoreSupervisor({
      spawn: () => utilityProcess.fork(coreEntry, [], { serviceName: 'Crisis Desk core', stdio: 'inherit', execArgv: [...CORE_PROCESS_V8_FLAGS], env: { ...process.env, ...CORE_PROCESS_ENV } }),
      init: () => ({
        kind: 'init',
        dataDir,
        geoDir: app.isPackaged ? path.join(process.resourcesPath, 'geo') : path.join(app.getAppPath(), 'data', 'geo'),
        deskKeyHex: this.key.hex!,
        appVersion: app.getVersion(),
        ...(settings.serverUrl ? { serverUrl: settings.serverUrl } : {}),
      }),
      tokens: {
        token: async (userId) => (this.signIn ? this.signIn.token(userId) : { accessToken: null }),
        renew: async (userId) => (this.signIn ? this.signIn.renew(userId) : { accessToken: null }),
      },
      session: () => sessionInfo(this.signIn),
      onState: (state) => this.coreChanged(state),
      onSignInRequested: () => void this.startSignIn(),
      onSignOutRequested: () => this.signIn?.signOut(),
      onReleaseSession: (userId) => this.signIn?.release(userId),
      // Counts on every sync status: kept in memory, written off the thread (last-sync.ts).
      onStatus: (counts) => this.lastSync.record(counts),
    });
  }

  /**
   * Quitting stops updates, the lock and the core; it waits first (a few milliseconds) for the last
   * sync counts to reach the disk, which the reset warning relies on at a later start.
   */
  private beforeQuit(event: Electron.Event): void {
    if (!this.quitting && this.lastSync.pending) {
      event.preventDefault();
      void this.lastSync.settled().finally(() => {
        this.quitting = true;
        app.quit();
      });
      return;
    }
    this.updates.stop();
    this.lock.stop();
    this.supervisor.stop();
  }

  /**
   * A fresh sign-in as the lock's owner opens it; anyone else's is refused while it is locked (and
   * revoked). A failed or abandoned attempt opens nothing, even with a session kept from before.
   * The first sign-in, and a new clinician's, asks for their passcode. Nothing while the desk is
   * refused (no keyring): no token could be kept safely.
   */
  private async startSignIn(): Promise<void> {
    if (!this.signIn || this.key.refused) return;
    const lock = this.lock;
    await this.signIn.signIn({ admit: (who) => lock.admits(who.subject), onSignedIn: (who) => lock.signedIn(who), onRefused: (message) => lock.refused(message) });
    this.refresh();
  }

  private coreChanged(state: CoreState): void {
    if (state.status === 'ready') {
      this.deskId = state.clientId;
      this.updates.coreReady();
      if (this.window.screenConnected) this.connectScreen();
    } else if (state.status !== 'starting') {
      this.window.screenContents?.send(SCREEN_CHANNELS.coreDown);
    }
    this.refresh();
  }

  /** What covers the screen now: refusals, then the lock, then the core's troubles. */
  private currentView(): ShellView {
    if (this.key.refused) return this.key.refused;
    const l = this.lock.current;
    if (l.screen === 'lock') return { page: 'lock', reason: l.reason, message: l.message, retryAt: l.retryAt, signingIn: this.signIn?.current.status === 'signing_in', signInAvailable: this.signIn !== null };
    if (l.screen === 'set-passcode') return { page: 'set-passcode', message: l.message, ownerName: l.owner.name };
    const warning = () => unsyncedWarning(this.lastSync.read(), this.settings.serverUrl !== null);
    if (this.key.failed) return { page: 'failed', message: 'Crisis Desk cannot unlock the encryption key of this desk’s records. This happens when the desk’s files were copied from another computer or user account, or the computer’s key storage was reset.', canReset: true, unsyncedWarning: warning(), canRetry: true };
    const core = this.supervisor.current;
    // The first start shows the screen as soon as it is there (its calls wait for the core); a restart stays covered until ready.
    if (core.status === 'starting' && (!this.window.screenConnected || core.attempt > 1)) return { page: 'starting' };
    if (core.status === 'restarting') return { page: 'restarting', message: core.error.message, inMs: core.inMs, attempt: core.attempt };
    if (core.status === 'failed') return { page: 'failed', message: core.error.message, canReset: core.needsReset, unsyncedWarning: core.needsReset ? warning() : null, canRetry: true };
    return { page: 'none' };
  }

  /** Shows the screen or what covers it, and tells the screen when the lock changed. */
  private refresh(): void {
    const screen = this.window.screenContents;
    if (!this.window.base || !screen) return;
    this.window.show(this.currentView());
    const lockState = JSON.stringify(this.lock.state);
    if (lockState !== this.lastLockState) {
      this.lastLockState = lockState;
      screen.send(SCREEN_CHANNELS.event, 'app.lock', this.lock.state);
    }
  }

  private connectScreen(): void {
    const screen = this.window.screenContents;
    if (!screen) return;
    const { port1, port2 } = new MessageChannelMain();
    if (!this.supervisor.connect(port1)) return;
    screen.postMessage(SCREEN_CHANNELS.port, null, [port2]);
  }

  /** The screen's preload: hello (a page loaded and wants a port) and the shell's `app.*` calls; only from the screen itself. */
  private listenToScreen(): void {
    ipcMain.on(SCREEN_CHANNELS.hello, (event) => {
      if (!this.window.trusted(event)) return;
      this.window.screenConnected = true;
      this.connectScreen();
      this.refresh();
    });
    ipcMain.handle(SCREEN_CHANNELS.shell, (event, method: unknown, params: unknown) => {
      if (!this.window.trusted(event)) return { ok: false, error: { code: 'unknown_method', message: 'Refused.' } };
      return shellCall(method, params, {
        lockNow: () => this.lock.lock('manual'),
        lockState: () => this.lock.state,
        activity: (a) => this.updates.activityChanged(a),
        saveExport: (params) =>
          saveExport(params, {
            chooseFile: async (suggestedName, format) => {
              const options = { title: 'Save the shift summary', defaultPath: path.join(app.getPath('documents'), suggestedName), filters: [SAVE_DIALOG_FILTERS[format]], properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[] };
              const win = this.window.base;
              const chosen = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
              return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
            },
            exportToPath: (p) => this.supervisor.exportToPath(p),
          }),
      });
    });
  }

  /** app://: the shell's pages and their actions, or the screen's files. */
  private serve(request: Request): Response | Promise<Response> {
    if (originOf(new URL(request.url)) !== SHELL_ORIGIN) return serveRenderer(this.rendererRoot, request);
    return handleShellRequest(request, {
      view: () => this.currentView(),
      csrf: this.csrf,
      actions: {
        unlock: async (passcode) => void (await this.lock.unlock(passcode)),
        signIn: () => void this.startSignIn(),
        choosePasscode: async (p, c) => void (await this.lock.choosePasscode(p, c)),
        retry: () => {
          if (this.key.failed) void this.openDesk();
          else this.supervisor.retry();
        },
        resetDesk: async () => {
          this.keys.resetDesk();
          await this.openDesk();
        },
        quit: () => app.quit(),
      },
    });
  }

  /** Unwraps (or makes) the desk key and starts the core; a key problem shows the fatal screen instead. */
  private async openDesk(): Promise<void> {
    const key = await this.keys.load();
    this.key.failed = key.kind === 'unwrap_failed';
    if (key.kind === 'refused') {
      this.key.refused = { page: 'refused', title: 'Crisis Desk cannot protect patient data here', message: key.message };
      // A session kept by an earlier version was only obfuscated here: it goes (and is revoked when the provider can be reached).
      this.signIn?.signOut();
      this.buildMenu();
    }
    if (key.kind !== 'ok') return this.refresh();
    this.key.hex = key.key.toString('hex');
    if (this.supervisor.current.status === 'stopped') this.supervisor.start();
    else this.supervisor.retry();
  }

  private buildMenu(): void {
    const { settings, startup } = this;
    const { policy } = startup;
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          platform: process.platform,
          devTools: settings.devTools,
          signedIn: this.signIn?.signedIn ?? false,
          signInAllowed: this.key.refused === null,
          lockArmed: this.lock.armed,
          updateReady: this.updates.readyVersion(),
          actions: {
            sendKey: (sc) => {
              if (this.currentView().page === 'none') this.window.sendKey(sc);
            },
            lockNow: () => this.lock.lock('manual'),
            signIn: () => void this.startSignIn(),
            signOut: () => this.signIn?.signOut(),
            quit: () => app.quit(),
            about: () =>
              void dialog.showMessageBox({
                type: 'info',
                title: 'About Crisis Desk',
                message: `Crisis Desk ${app.getVersion()}`,
                detail: `Server: ${settings.serverUrl ?? 'none (offline only)'}\nIdle lock: ${settings.idleLockMinutes} minutes (${settings.sources.idleLockMinutes})\nUpdates: ${settings.updates.mode}, ${settings.updates.ring} ring${settings.updates.pinVersion ? `, pinned to ${settings.updates.pinVersion}` : ''} — ${this.updates.summary()}\nMachine policy: ${policy.kind === 'ok' ? `${policy.file} (${policyHash(policy.policy)})` : 'none'}`,
              }),
            installUpdate: () => {
              const r = this.updates.installNow();
              if (r && !r.ok) void dialog.showMessageBox({ type: 'info', title: 'Update waits', message: r.message });
            },
            toggleDevTools: () => settings.devTools && this.window.screenContents?.toggleDevTools(),
          },
        }),
      ),
    );
  }
}
