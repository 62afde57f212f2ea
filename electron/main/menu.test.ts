import { describe, expect, it, vi } from 'vitest';
import { CALL_SHORTCUTS, DIRECTORY_SHORTCUTS, HELP_SHORTCUTS, LOCK_ACCELERATOR, menuTemplate, type MenuActions } from './menu';
import type { MenuItemConstructorOptions } from 'electron';

function actions(): MenuActions {
  return { sendKey: vi.fn(), lockNow: vi.fn(), signIn: vi.fn(), signOut: vi.fn(), quit: vi.fn(), about: vi.fn(), toggleDevTools: vi.fn() };
}

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

describe('the application menu', () => {
  it('lists the screen’s shortcuts without taking their keys away from the screen', () => {
    const a = actions();
    const all = flatten(menuTemplate({ platform: 'win32', devTools: false, signedIn: false, lockArmed: true, actions: a }));
    for (const sc of [...CALL_SHORTCUTS, ...DIRECTORY_SHORTCUTS, ...HELP_SHORTCUTS]) {
      const item = all.find((i) => i.id === sc.id)!;
      expect(item.accelerator).toBe(sc.accelerator);
      expect(item.registerAccelerator).toBe(false);
      (item.click as () => void)();
      expect(a.sendKey).toHaveBeenLastCalledWith(sc);
    }
  });

  it('has a lock item with its own shortcut, enabled once the lock is armed', () => {
    const a = actions();
    const lock = flatten(menuTemplate({ platform: 'linux', devTools: false, signedIn: true, lockArmed: false, actions: a })).find((i) => i.id === 'lock')!;
    expect(lock.accelerator).toBe(LOCK_ACCELERATOR);
    expect(lock.enabled).toBe(false);
  });

  it('offers DevTools only when allowed, and sign in or sign out as fits', () => {
    const ids = (o: { devTools: boolean; signedIn: boolean; platform?: NodeJS.Platform }) =>
      flatten(menuTemplate({ platform: o.platform ?? 'win32', devTools: o.devTools, signedIn: o.signedIn, lockArmed: true, actions: actions() })).map((i) => i.id);
    expect(ids({ devTools: false, signedIn: false })).not.toContain('devTools');
    expect(ids({ devTools: true, signedIn: false })).toContain('devTools');
    expect(ids({ devTools: false, signedIn: false })).toContain('signIn');
    expect(ids({ devTools: false, signedIn: true })).toContain('signOut');
    expect(ids({ devTools: false, signedIn: true, platform: 'darwin' })).toEqual(expect.arrayContaining(['about', 'quit', 'lock', 'signOut']));
  });

  it('never reuses a key the operating system or browser owns', () => {
    const keys = [...CALL_SHORTCUTS, ...DIRECTORY_SHORTCUTS, ...HELP_SHORTCUTS].map((s) => s.accelerator);
    for (const banned of ['Alt+D', 'Alt+E', 'Alt+F', 'CmdOrCtrl+N', 'CmdOrCtrl+T', 'CmdOrCtrl+W', 'CmdOrCtrl+R']) expect(keys).not.toContain(banned);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
