import type { MenuItemConstructorOptions } from 'electron';

/*
 * The application menu. The screen handles its own keyboard shortcuts (renderer/src/app/shortcuts.ts,
 * matched on the physical key); the menu lists the same keys so they can be found, without
 * registering them (registerAccelerator: false), so a keystroke reaches the screen exactly as in
 * the browser host. Choosing an item with the mouse sends the screen that same keystroke.
 * test/integration/desktop-menu.test.ts checks the two tables agree.
 */

export interface ScreenShortcut {
  /** The screen's ShortcutId. */
  id: string;
  label: string;
  /** Electron accelerator, as displayed. */
  accelerator: string;
  /** The keystroke sent to the screen (Electron input event key code and modifiers). */
  keyCode: string;
  modifiers: ('alt' | 'control')[];
}

const s = (id: string, label: string, accelerator: string, keyCode: string, modifiers: ('alt' | 'control')[]): ScreenShortcut => ({ id, label, accelerator, keyCode, modifiers });

export const CALL_SHORTCUTS: ScreenShortcut[] = [
  s('newCall', 'New call record', 'Alt+N', 'N', ['alt']),
  s('callsList', 'Calls in progress…', 'Alt+L', 'L', ['alt']),
  s('record', 'Go to the call record', 'Alt+W', 'W', ['alt']),
  s('save', 'Save now', 'CmdOrCtrl+S', 'S', ['control']),
  s('finalise', 'Finalise…', 'CmdOrCtrl+Enter', 'Enter', ['control']),
];

export const DIRECTORY_SHORTCUTS: ScreenShortcut[] = [
  s('search', 'Search the directory', 'Alt+S', 'S', ['alt']),
  s('postcode', 'Postcode to search near', 'Alt+P', 'P', ['alt']),
  s('openNow', 'Open now only', 'Alt+O', 'O', ['alt']),
  s('nextResult', 'Next result', 'Alt+Down', 'Down', ['alt']),
  s('prevResult', 'Previous result', 'Alt+Up', 'Up', ['alt']),
  s('copyPhone', 'Copy phone number', 'Alt+C', 'C', ['alt']),
  s('refer', 'Link as referral', 'Alt+R', 'R', ['alt']),
];

export const HELP_SHORTCUTS: ScreenShortcut[] = [s('help', 'Keyboard shortcuts', 'CmdOrCtrl+/', '/', ['control'])];

/** Lock is the shell's own: registered (it works even when the screen is busy). */
export const LOCK_ACCELERATOR = 'CmdOrCtrl+Shift+L';

export interface MenuActions {
  sendKey(shortcut: ScreenShortcut): void;
  lockNow(): void;
  signIn(): void;
  signOut(): void;
  quit(): void;
  about(): void;
  toggleDevTools(): void;
  /** Restart into the downloaded update (main refuses while a call is open). */
  installUpdate?(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  devTools: boolean;
  signedIn: boolean;
  /** False while the desk is refused (no keyring): no session could be kept safely. */
  signInAllowed?: boolean;
  lockArmed: boolean;
  /** The version of a downloaded, verified update waiting to be installed, or null. */
  updateReady?: string | null;
  actions: MenuActions;
}

function items(list: ScreenShortcut[], actions: MenuActions): MenuItemConstructorOptions[] {
  return list.map((sc) => ({ id: sc.id, label: sc.label, accelerator: sc.accelerator, registerAccelerator: false, click: () => actions.sendKey(sc) }));
}

export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const { actions } = o;
  const mac = o.platform === 'darwin';
  const session: MenuItemConstructorOptions[] = [
    { id: 'lock', label: 'Lock Crisis Desk', accelerator: LOCK_ACCELERATOR, enabled: o.lockArmed, click: () => actions.lockNow() },
    o.signedIn ? { id: 'signOut', label: 'Sign out', click: () => actions.signOut() } : { id: 'signIn', label: 'Sign in…', enabled: o.signInAllowed !== false, click: () => actions.signIn() },
  ];
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'Crisis Desk',
      submenu: [{ id: 'about', label: 'About Crisis Desk', click: () => actions.about() }, { type: 'separator' }, ...session, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { type: 'separator' }, { id: 'quit', label: 'Quit Crisis Desk', accelerator: 'Cmd+Q', click: () => actions.quit() }],
    });
  }
  template.push({
    label: mac ? 'Call' : '&Call',
    submenu: [...items(CALL_SHORTCUTS, actions), ...(mac ? [] : [{ type: 'separator' as const }, ...session, { type: 'separator' as const }, { id: 'quit', label: 'Exit', click: () => actions.quit() }])],
  });
  template.push({
    label: mac ? 'Edit' : '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  });
  template.push({ label: mac ? 'Directory' : '&Directory', submenu: items(DIRECTORY_SHORTCUTS, actions) });
  template.push({
    label: mac ? 'View' : '&View',
    submenu: [
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(o.devTools ? [{ type: 'separator' as const }, { id: 'devTools', label: 'Developer tools', accelerator: 'CmdOrCtrl+Shift+I', click: () => actions.toggleDevTools() }] : []),
    ],
  });
  template.push({
    label: mac ? 'Help' : '&Help',
    role: 'help',
    submenu: [
      ...items(HELP_SHORTCUTS, actions),
      ...(o.updateReady ? [{ type: 'separator' as const }, { id: 'installUpdate', label: `Restart to install Crisis Desk ${o.updateReady}`, click: () => actions.installUpdate?.() }] : []),
      ...(mac ? [] : [{ type: 'separator' as const }, { id: 'about', label: 'About Crisis Desk', click: () => actions.about() }]),
    ],
  });
  return template;
}
