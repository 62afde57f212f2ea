/*
 * main.ts as Electron would run it, with `electron` mocked: the wiring between Electron's objects
 * and the rules (which have their own tests). Each test imports main afresh into a new data folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from './test-temp-dir';

const fake = vi.hoisted(() => {
  // vi.hoisted runs before imports: require is the way in here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events');
  let nextId = 1;
  class FakeWebContents extends Emitter {
    id = nextId++;
    loadURL = vi.fn(async () => {});
    send = vi.fn();
    postMessage = vi.fn();
    focus = vi.fn();
    sendInputEvent = vi.fn();
    closeDevTools = vi.fn();
    toggleDevTools = vi.fn();
    windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.windowOpenHandler = h;
    }
  }
  const state = {
    views: [] as { prefs: Record<string, unknown>; webContents: FakeWebContents; visible: boolean }[],
    windows: [] as unknown[],
    cores: [] as (InstanceType<typeof Emitter> & { sent: { message: unknown; transfer?: unknown[] }[]; postMessage: (m: unknown, t?: unknown[]) => void; kill: () => boolean })[],
    protocolHandler: null as ((req: Request) => Promise<Response> | Response) | null,
    ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    backend: 'gnome_libsecret',
    userData: '',
  };
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: vi.fn(async () => {}),
    getPath: vi.fn(() => state.userData),
    getAppPath: vi.fn(() => process.cwd()),
    getVersion: vi.fn(() => '0.1.0'),
    quit: vi.fn(),
    exit: vi.fn(),
  });
  const electron = {
    app,
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn((_s: string, h: (req: Request) => Response) => (state.protocolHandler = h)) },
    session: {
      defaultSession: Object.assign(new Emitter(), {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        setDevicePermissionHandler: vi.fn(),
        webRequest: { onBeforeRequest: vi.fn() },
      }),
    },
    safeStorage: {
      isAsyncEncryptionAvailable: vi.fn(async () => true),
      getSelectedStorageBackend: vi.fn(() => state.backend),
      encryptStringAsync: vi.fn(async (s: string) => Buffer.from(`w:${Buffer.from(s).toString('base64')}`)),
      decryptStringAsync: vi.fn(async (b: Buffer) => ({ result: Buffer.from(b.toString().slice(2), 'base64').toString(), shouldReEncrypt: false })),
      setUsePlainTextEncryption: vi.fn(() => {
        throw new Error('never');
      }),
    },
    powerMonitor: Object.assign(new Emitter(), { getSystemIdleTime: vi.fn(() => 0) }),
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }] },
    BaseWindow: class extends Emitter {
      contentView = { addChildView: vi.fn() };
      constructor(readonly options: unknown) {
        super();
        state.windows.push(this);
      }
      getContentBounds = () => ({ x: 0, y: 0, width: 1366, height: 768 });
      getNormalBounds = () => ({ x: 0, y: 0, width: 1366, height: 768 });
      isMaximized = () => false;
      isMinimized = () => false;
      maximize = vi.fn();
      show = vi.fn();
      focus = vi.fn();
      restore = vi.fn();
      setContentProtection = vi.fn();
    },
    WebContentsView: class {
      webContents = new FakeWebContents();
      visible = true;
      constructor(options: { webPreferences: Record<string, unknown> }) {
        const entry = { prefs: options.webPreferences, webContents: this.webContents, visible: true };
        state.views.push(entry);
        this.setVisible = (v: boolean) => {
          entry.visible = v;
        };
        app.emit('web-contents-created', {}, this.webContents);
      }
      setVisible: (v: boolean) => void;
      setBounds = vi.fn();
    },
    ipcMain: Object.assign(new Emitter(), { handle: vi.fn((c: string, h: (event: unknown, ...args: unknown[]) => unknown) => state.ipcHandlers.set(c, h)) }),
    Menu: { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn() },
    MessageChannelMain: class {
      port1 = { name: 'core end' };
      port2 = { name: 'screen end' };
    },
    utilityProcess: {
      fork: vi.fn(() => {
        const core = Object.assign(new Emitter(), {
          sent: [] as { message: unknown; transfer?: unknown[] }[],
          postMessage(message: unknown, transfer?: unknown[]) {
            core.sent.push({ message, transfer });
          },
          kill: () => true,
        });
        state.cores.push(core);
        return core;
      }),
    },
    dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(async () => ({ response: 0 })) },
    shell: { openExternal: vi.fn(async () => {}) },
  };
  return { electron, state, app };
});

vi.mock('electron', () => fake.electron);

let tmp: ReturnType<typeof makeTempDir>;
const env = { ...process.env };

beforeEach(() => {
  tmp = makeTempDir('crisis-desk-main-');
  fake.state.userData = tmp.dir;
  fake.state.views.length = 0;
  fake.state.windows.length = 0;
  fake.state.cores.length = 0;
  fake.state.ipcHandlers.clear();
  fake.state.backend = 'gnome_libsecret';
  fake.app.removeAllListeners();
  fake.electron.ipcMain.removeAllListeners();
  vi.clearAllMocks();
  process.env.CRISIS_DESK_POLICY_FILE = path.join(tmp.dir, 'policy.json');
  process.env.CRISIS_DESK_DATA_DIR = path.join(tmp.dir, 'desk');
  delete process.env.CRISIS_DESK_SERVER_URL;
  vi.resetModules();
});
afterEach(() => {
  process.env = { ...env };
  tmp.remove();
});

async function start() {
  await import('./main');
  await vi.waitFor(() => expect(fake.state.cores.length + fake.electron.dialog.showErrorBox.mock.calls.length + fake.state.views.length).toBeGreaterThan(0));
  await new Promise((r) => setTimeout(r, 20));
  const [screen, shellView] = fake.state.views;
  return { screen: screen!, shellView: shellView!, core: fake.state.cores[0] };
}

const trustedEvent = (webContents: { id: number }) => ({ sender: webContents, senderFrame: { url: 'app://desk/index.html', parent: null } });

describe('Electron main', () => {
  it('turns on the sandbox and registers app:// as a secure standard scheme before anything opens', async () => {
    await start();
    expect(fake.app.enableSandbox).toHaveBeenCalled();
    const [schemes] = fake.electron.protocol.registerSchemesAsPrivileged.mock.calls[0]! as [{ scheme: string; privileges: Record<string, boolean> }[]];
    expect(schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(schemes[0]!.privileges.bypassCSP).toBeUndefined();
    expect(fake.app.requestSingleInstanceLock).toHaveBeenCalled();
  });

  it('opens the screen from app:// in a sandboxed, isolated view with only the preload, and the shell view with none', async () => {
    const { screen, shellView } = await start();
    expect(screen.prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(String(screen.prefs.preload)).toMatch(/preload\.cjs$/);
    expect(shellView.prefs).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, devTools: false });
    expect(shellView.prefs.preload).toBeUndefined();
    expect(screen.webContents.loadURL).toHaveBeenCalledWith('app://desk/index.html');
  });

  it('denies every permission and blocks the web contents’ own network requests', async () => {
    await start();
    const ses = fake.electron.session.defaultSession;
    const request = ses.setPermissionRequestHandler.mock.calls[0]![0] as (wc: unknown, p: string, cb: (ok: boolean) => void) => void;
    const cb = vi.fn();
    request({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect((ses.setPermissionCheckHandler.mock.calls[0]![0] as () => boolean)()).toBe(false);
    const [filter, handler] = ses.webRequest.onBeforeRequest.mock.calls[0]! as unknown as [{ urls: string[] }, (d: unknown, cb: (r: unknown) => void) => void];
    expect(filter.urls).toEqual(expect.arrayContaining(['https://*/*', 'http://*/*']));
    const answer = vi.fn();
    handler({}, answer);
    expect(answer).toHaveBeenCalledWith({ cancel: true });
  });

  it('blocks navigation, webviews and new windows in every web contents', async () => {
    const { screen } = await start();
    const nav = { url: 'https://evil.example/', preventDefault: vi.fn() };
    screen.webContents.emit('will-navigate', nav);
    expect(nav.preventDefault).toHaveBeenCalled();
    const frameNav = { url: 'app://desk/other', preventDefault: vi.fn() };
    screen.webContents.emit('will-frame-navigate', frameNav);
    expect(frameNav.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    screen.webContents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(screen.webContents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(fake.electron.shell.openExternal).not.toHaveBeenCalled();
    expect(screen.webContents.windowOpenHandler!({ url: 'https://www.nhs.uk/' })).toEqual({ action: 'deny' });
    expect(fake.electron.shell.openExternal).toHaveBeenCalledWith('https://www.nhs.uk/');
  });

  it('starts the core with the unwrapped key by message, and keeps only the wrapped key on disk', async () => {
    const { core } = await start();
    expect(fake.electron.utilityProcess.fork).toHaveBeenCalledWith(expect.stringMatching(/core\.mjs$/), [], expect.objectContaining({ serviceName: 'Crisis Desk core', execArgv: ['--max-semi-space-size=4'], env: expect.objectContaining({ MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '131072' }) }));
    const init = core!.sent[0]!.message as { kind: string; deskKeyHex: string; dataDir: string };
    expect(init).toMatchObject({ kind: 'init', dataDir: path.join(tmp.dir, 'desk') });
    expect(init.deskKeyHex).toMatch(/^[0-9a-f]{64}$/);
    const wrapped = readFileSync(path.join(tmp.dir, 'desk', 'desk.key.wrapped'), 'utf8');
    expect(wrapped).not.toContain(init.deskKeyHex);
  });

  it('hands a MessagePort pair to a trusted screen and the core; a foreign sender gets nothing', async () => {
    const { screen, core } = await start();
    core!.emit('message', { kind: 'ready', clientId: 'c1' });
    fake.electron.ipcMain.emit('crisis-desk:hello', { sender: { id: 999 }, senderFrame: { url: 'app://desk/index.html', parent: null } });
    fake.electron.ipcMain.emit('crisis-desk:hello', { sender: screen.webContents, senderFrame: { url: 'app://desk/index.html', parent: {} } });
    fake.electron.ipcMain.emit('crisis-desk:hello', { sender: screen.webContents, senderFrame: { url: 'https://evil.example/', parent: null } });
    expect(screen.webContents.postMessage).not.toHaveBeenCalled();
    fake.electron.ipcMain.emit('crisis-desk:hello', trustedEvent(screen.webContents));
    expect(screen.webContents.postMessage).toHaveBeenCalledWith('crisis-desk:port', null, [{ name: 'screen end' }]);
    expect(core!.sent.at(-1)).toEqual({ message: { kind: 'connect' }, transfer: [{ name: 'core end' }] });

    const shellCall = fake.state.ipcHandlers.get('crisis-desk:shell')!;
    expect(await shellCall({ sender: { id: 999 }, senderFrame: null }, 'app.lockState', {})).toMatchObject({ ok: false });
    expect(await shellCall(trustedEvent(screen.webContents), 'app.lockState', {})).toEqual({ ok: true, value: { locked: false, reason: null, idleMinutes: null } });
  });

  it('covers the screen with the restart page when the core dies, tells the screen, and reconnects it when back', async () => {
    const { screen, shellView, core } = await start();
    core!.emit('message', { kind: 'ready', clientId: 'c1' });
    fake.electron.ipcMain.emit('crisis-desk:hello', trustedEvent(screen.webContents));
    core!.emit('exit', 1);
    expect(screen.webContents.send).toHaveBeenCalledWith('crisis-desk:core-down');
    expect(shellView.visible).toBe(true);
    expect(screen.visible).toBe(false);
    const page = await (await fake.state.protocolHandler!(new Request('app://shell/'))).text();
    expect(page).toContain('restarting');
    await vi.waitFor(() => expect(fake.state.cores).toHaveLength(2), { timeout: 2000 });
    fake.state.cores[1]!.emit('message', { kind: 'ready', clientId: 'c1' });
    expect(screen.visible).toBe(true);
    expect(screen.webContents.postMessage).toHaveBeenCalledTimes(2);
  });

  it('fails closed on a bad policy file: says why and does not start', async () => {
    writeFileSync(path.join(tmp.dir, 'policy.json'), '{"idleLockMinutes": 90}');
    await start();
    expect(fake.electron.dialog.showErrorBox).toHaveBeenCalledWith('Crisis Desk cannot start', expect.stringMatching(/idleLockMinutes/));
    expect(fake.app.exit).toHaveBeenCalledWith(1);
    expect(fake.electron.utilityProcess.fork).not.toHaveBeenCalled();
  });

  it('refuses to make a key where Linux has only basic_text, and says so instead of starting the core', async () => {
    fake.state.backend = 'basic_text';
    const { screen, shellView } = await start();
    if (process.platform !== 'linux') return; // basic_text is a Linux backend
    expect(fake.electron.utilityProcess.fork).not.toHaveBeenCalled();
    expect(shellView.visible).toBe(true);
    expect(screen.visible).toBe(false);
    const page = await (await fake.state.protocolHandler!(new Request('app://shell/'))).text();
    expect(page).toMatch(/keyring/);
    expect(existsSync(path.join(tmp.dir, 'desk', 'desk.key.wrapped'))).toBe(false);
  });

  it('turns signing in off where the desk is refused for want of a keyring, and keeps no session there', async () => {
    fake.state.backend = 'basic_text';
    process.env.CRISIS_DESK_SERVER_URL = 'http://127.0.0.1:9';
    await start();
    if (process.platform !== 'linux') return;
    type Item = { id?: string; enabled?: boolean; click?: () => void; submenu?: Item[] };
    const menu = fake.electron.Menu.buildFromTemplate.mock.calls.at(-1)![0] as Item[];
    const signIn = menu.flatMap((m) => [m, ...(m.submenu ?? [])]).find((i) => i.id === 'signIn')!;
    expect(signIn.enabled).toBe(false);
    signIn.click!();
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.electron.shell.openExternal).not.toHaveBeenCalled();
    expect(existsSync(path.join(tmp.dir, 'desk', 'session.json'))).toBe(false);
    const page = await (await fake.state.protocolHandler!(new Request('app://shell/'))).text();
    expect(page).toMatch(/signing in is turned off/);
  });

  it('starts locked when the desk has a passcode, hides the screen, and unlocks through the shell page', async () => {
    const { PasscodeFile } = await import('./passcode');
    await new PasscodeFile(path.join(tmp.dir, 'desk'), 10).set('harbour-7', { subject: 'ada', name: 'Dr Ada Clinician' });
    const { screen, shellView, core } = await start();
    core!.emit('message', { kind: 'ready', clientId: 'c1' });
    fake.electron.ipcMain.emit('crisis-desk:hello', trustedEvent(screen.webContents));
    expect(shellView.visible).toBe(true);
    expect(screen.visible).toBe(false);
    const page = await (await fake.state.protocolHandler!(new Request('app://shell/'))).text();
    expect(page).toContain('Crisis Desk is locked');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (passcode: string) => fake.state.protocolHandler!(new Request('app://shell/unlock', { method: 'POST', body: new URLSearchParams({ csrf, passcode }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expect((await post('wrong-one')).status).toBe(303);
    expect(screen.visible).toBe(false);
    await post('harbour-7');
    expect(screen.visible).toBe(true);
    expect(shellView.visible).toBe(false);
    expect(screen.webContents.send).toHaveBeenCalledWith('crisis-desk:event', 'app.lock', { locked: false, reason: null, idleMinutes: 15 });
    const shellCall = fake.state.ipcHandlers.get('crisis-desk:shell')!;
    expect(await shellCall(trustedEvent(screen.webContents), 'app.lockNow', {})).toEqual({ ok: true, value: { locked: true, reason: 'manual', idleMinutes: 15 } });
    expect(screen.visible).toBe(false);
    fake.electron.powerMonitor.emit('lock-screen');
    expect(screen.visible).toBe(false);
  });

  it('applies the policy’s content protection', async () => {
    writeFileSync(path.join(tmp.dir, 'policy.json'), '{"contentProtection": true}');
    await start();
    const win = fake.state.windows[0] as { setContentProtection: ReturnType<typeof vi.fn> };
    expect(win.setContentProtection).toHaveBeenCalledWith(true);
  });

  it('keeps DevTools closed in a packaged build, and ignores the development overrides there', async () => {
    fake.app.isPackaged = true;
    const resources = (process as { resourcesPath?: string }).resourcesPath;
    (process as { resourcesPath?: string }).resourcesPath = tmp.dir;
    process.env.CRISIS_DESK_DATA_DIR = path.join(tmp.dir, 'elsewhere');
    try {
      const { screen, core } = await start();
      expect(screen.prefs.devTools).toBe(false);
      screen.webContents.emit('devtools-opened');
      expect(screen.webContents.closeDevTools).toHaveBeenCalled();
      expect(core!.sent[0]!.message).toMatchObject({ dataDir: path.join(tmp.dir, 'desk'), geoDir: path.join(tmp.dir, 'geo') });
    } finally {
      fake.app.isPackaged = false;
      (process as { resourcesPath?: string }).resourcesPath = resources;
    }
  });

  it('keeps the core’s sync counts without writing on its own thread per event, and quits only once the last are on disk', async () => {
    const { core } = await start();
    core!.emit('message', { kind: 'ready', clientId: 'c1' });
    const file = path.join(tmp.dir, 'desk', 'last-sync.json');
    for (let waiting = 50; waiting >= 3; waiting--) core!.emit('message', { kind: 'status', waiting, conflicts: 0, rejected: 0, lastSyncedAt: null });
    expect(existsSync(file)).toBe(false);
    const quit = { preventDefault: vi.fn() };
    fake.app.emit('before-quit', quit);
    expect(quit.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled());
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ waiting: 3 });
    // The second time round nothing waits: quitting goes ahead.
    const again = { preventDefault: vi.fn() };
    fake.app.emit('before-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });
});