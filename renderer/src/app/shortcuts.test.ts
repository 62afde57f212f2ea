import { describe, expect, it } from 'vitest';
import { matchShortcut, SHORTCUTS } from './shortcuts';

const input = { tagName: 'INPUT', type: 'text', isContentEditable: false } as unknown as EventTarget;
const checkbox = { tagName: 'INPUT', type: 'checkbox', isContentEditable: false } as unknown as EventTarget;
const select = { tagName: 'SELECT', isContentEditable: false } as unknown as EventTarget;
const body = { tagName: 'BODY', isContentEditable: false } as unknown as EventTarget;
const key = (code: string, k: string, mods: Partial<{ altKey: boolean; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}, target = body) => ({
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  code,
  key: k,
  target,
  ...mods,
});

describe('keyboard shortcuts', () => {
  it('has no two shortcuts on the same keys', () => {
    const keys = SHORTCUTS.map((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('matches on the physical key, so Option+N on a Mac (key "˜") is still Alt+N', () => {
    expect(matchShortcut(key('KeyN', '˜', { altKey: true }))?.id).toBe('newCall');
    expect(matchShortcut(key('KeyS', 's', { ctrlKey: true }, input))?.id).toBe('save');
    expect(matchShortcut(key('KeyS', 's', { metaKey: true }, input))?.id).toBe('save');
    expect(matchShortcut(key('Enter', 'Enter', { ctrlKey: true }, input))?.id).toBe('finalise');
  });

  it('leaves bare keys to the field being typed in', () => {
    expect(matchShortcut(key('Slash', '/', {}, body))?.id).toBe('searchSlash');
    expect(matchShortcut(key('Slash', '/', {}, input))).toBeNull();
    expect(matchShortcut(key('Slash', '/', {}, checkbox))?.id).toBe('searchSlash');
    expect(matchShortcut(key('Slash', '?', { shiftKey: true }, body))?.id).toBe('helpQuestion');
  });

  it('leaves Alt+↓ to an open drop-down list', () => {
    expect(matchShortcut(key('ArrowDown', 'ArrowDown', { altKey: true }, input))?.id).toBe('nextResult');
    expect(matchShortcut(key('ArrowDown', 'ArrowDown', { altKey: true }, select))).toBeNull();
  });

  it('ignores plain letters and unrelated modifiers', () => {
    expect(matchShortcut(key('KeyN', 'n', {}, body))).toBeNull();
    expect(matchShortcut(key('KeyN', 'N', { altKey: true, ctrlKey: true }))).toBeNull();
  });
});
