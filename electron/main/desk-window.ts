import path from 'node:path';
import { BaseWindow, screen, WebContentsView, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { RENDERER_ENTRY, SHELL_ORIGIN } from './app-protocol';
import type { ScreenShortcut } from './menu';
import type { ShellView } from './shell-pages';
import { isTrustedSender, secureWebPreferences, weakWebPreferences } from './web-security';
import { restoreWindowState, serializeWindowState } from './window-state';
import { readTextIfExists, writeFileDurably } from '../node/durable-file';

/*
 * The desk's one window: the screen view (the renderer, with the preload) and the shell view on top
 * of it (lock, passcode, fatal pages, no script) when something must cover the screen. Its size and
 * place are kept between runs in window-state.json.
 */

export interface DeskWindowOptions {
  /** Folder for window-state.json. */
  userDir: string;
  devTools: boolean;
  contentProtection: boolean;
}

/** How long the window must rest after a move or resize before its place is written (once, not per event). */
const SAVE_PLACE_AFTER_MS = 500;

export class DeskWindow {
  private window: BaseWindow | null = null;
  private screenView: WebContentsView | null = null;
  private shellView: WebContentsView | null = null;
  /** The screen's web contents ids, ever: the only senders trusted on the screen's channels. */
  private readonly screenIds = new Set<number>();
  /** The screen's preload said hello since it last loaded: it wants a port to the core. */
  screenConnected = false;
  private lastView = '';

  private options: DeskWindowOptions = { userDir: '', devTools: false, contentProtection: false };

  constructor(private readonly preloadPath: string) {}

  get base(): BaseWindow | null {
    return this.window;
  }

  get screenContents(): WebContents | null {
    return this.screenView?.webContents ?? null;
  }

  isShell(contents: WebContents): boolean {
    return contents === this.shellView?.webContents;
  }

  /** The message came from the screen's own top frame. */
  trusted(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
    return isTrustedSender({ sender: event.sender, senderFrame: event.senderFrame }, this.screenIds);
  }

  /** A second start of the app: this window comes to the front instead. */
  bringToFront(): void {
    const win = this.window;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** Shows the screen, or the shell over it; the shell page is reloaded only when what it shows changed (a half-typed passcode stays). */
  show(view: ShellView): void {
    if (!this.window || !this.screenView || !this.shellView) return;
    const key = JSON.stringify(view);
    const changed = key !== this.lastView;
    this.lastView = key;
    const covered = view.page !== 'none';
    this.shellView.setVisible(covered);
    this.screenView.setVisible(!covered);
    if (covered && changed) void this.shellView.webContents.loadURL(`${SHELL_ORIGIN}/`);
    if (!covered && changed) this.screenView.webContents.focus();
  }

  /** A menu shortcut, typed into the screen as if from the keyboard. */
  sendKey(sc: ScreenShortcut): void {
    const contents = this.screenContents;
    if (!contents) return;
    contents.focus();
    contents.sendInputEvent({ type: 'keyDown', keyCode: sc.keyCode, modifiers: sc.modifiers });
    contents.sendInputEvent({ type: 'keyUp', keyCode: sc.keyCode, modifiers: sc.modifiers });
  }

  create(options: DeskWindowOptions): void {
    this.options = options;
    const stateFile = path.join(this.options.userDir, 'window-state.json');
    const saved = restoreWindowState(readTextIfExists(stateFile), screen.getAllDisplays().map((d) => d.workArea));
    const win = new BaseWindow({ ...saved.bounds, minWidth: 1024, minHeight: 640, title: 'Crisis Desk', show: false, backgroundColor: '#f0f4f5' });
    this.window = win;
    if (saved.maximized) win.maximize();
    win.setContentProtection(this.options.contentProtection);
    const { screenView, shellView } = this.createViews();
    win.contentView.addChildView(screenView);
    win.contentView.addChildView(shellView);
    const layout = () => {
      const { width, height } = win.getContentBounds();
      this.screenView?.setBounds({ x: 0, y: 0, width, height });
      this.shellView?.setBounds({ x: 0, y: 0, width, height });
    };
    layout();
    this.keepPlace(win, stateFile, layout);
    win.on('closed', () => {
      this.window = null;
      this.screenView = null;
      this.shellView = null;
    });
    void screenView.webContents.loadURL(RENDERER_ENTRY);
  }

  /** Shown once the first view has been decided (create, then show, then reveal). */
  reveal(): void {
    this.window?.show();
  }

  private createViews(): { screenView: WebContentsView; shellView: WebContentsView } {
    const prefs = secureWebPreferences(this.preloadPath, this.options.devTools);
    const weak = weakWebPreferences(prefs, [this.preloadPath]);
    if (weak.length) throw new Error(`refusing weak webPreferences: ${weak.join(', ')}`);
    const screenView = new WebContentsView({ webPreferences: prefs });
    const shellView = new WebContentsView({ webPreferences: secureWebPreferences(null, false) });
    this.screenView = screenView;
    this.shellView = shellView;
    this.screenIds.add(screenView.webContents.id);
    this.harden(screenView.webContents);
    this.harden(shellView.webContents);
    // The screen's own process crashed: load it again (its preload says hello and gets a new port).
    const screenContents = screenView.webContents;
    screenContents.on('render-process-gone', () => {
      this.screenConnected = false;
      setTimeout(() => void screenContents.loadURL(RENDERER_ENTRY), 1000);
    });
    return { screenView, shellView };
  }

  private harden(contents: WebContents): void {
    if (!this.options.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
  }

  /** Writes the window's place once it has rested after moving or resizing, and when it closes. */
  private keepPlace(win: BaseWindow, stateFile: string, layout: () => void): void {
    let saveTimer: ReturnType<typeof setTimeout> | null = null;
    const save = () => {
      try {
        writeFileDurably(stateFile, serializeWindowState(win.getNormalBounds(), win.isMaximized()));
      } catch {
        // the window's position is a comfort, never a reason to fail
      }
    };
    const saveSoon = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_PLACE_AFTER_MS);
    };
    win.on('resize', () => {
      layout();
      saveSoon();
    });
    win.on('move', saveSoon);
    win.on('close', save);
  }
}
