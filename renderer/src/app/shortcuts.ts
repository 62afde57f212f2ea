/*
 * The screen's keyboard shortcuts, in one table: the help dialog, the hints on buttons and the
 * handler all read it. Keys are chosen not to clash with the browser or the operating system
 * (no Alt+D, Alt+E, Alt+F, Alt+digit, Ctrl+N, Ctrl+W) and are matched on the physical key
 * (KeyboardEvent.code), so Alt+letter also works on a Mac, where Option changes the character.
 */

export type ShortcutId =
  | 'newCall'
  | 'callsList'
  | 'search'
  | 'searchSlash'
  | 'postcode'
  | 'openNow'
  | 'openAt'
  | 'record'
  | 'save'
  | 'finalise'
  | 'nextResult'
  | 'prevResult'
  | 'copyPhone'
  | 'refer'
  | 'report'
  | 'help'
  | 'helpQuestion';

export interface Shortcut {
  id: ShortcutId;
  /** As shown to the clinician. */
  keys: string;
  /** What it does, for the help dialog. */
  description: string;
  group: 'Call' | 'Directory' | 'General';
  alt?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  /** KeyboardEvent.code, or for printable keys without modifiers KeyboardEvent.key. */
  code?: string;
  key?: string;
  /** Works while typing in a field (modifier shortcuts do; bare keys such as / do not). */
  inFields: boolean;
}

export const SHORTCUTS: Shortcut[] = [
  { id: 'newCall', keys: 'Alt+N', description: 'Start a new call record', group: 'Call', alt: true, code: 'KeyN', inFields: true },
  { id: 'callsList', keys: 'Alt+L', description: 'List calls in progress, to resume one', group: 'Call', alt: true, code: 'KeyL', inFields: true },
  { id: 'record', keys: 'Alt+W', description: 'Go to the call record (write)', group: 'Call', alt: true, code: 'KeyW', inFields: true },
  { id: 'save', keys: 'Ctrl+S', description: 'Save now (the record also saves as you type)', group: 'Call', ctrl: true, code: 'KeyS', inFields: true },
  { id: 'finalise', keys: 'Ctrl+Enter', description: 'Finalise the record (checks it first)', group: 'Call', ctrl: true, code: 'Enter', inFields: true },
  { id: 'search', keys: 'Alt+S', description: 'Search the directory', group: 'Directory', alt: true, code: 'KeyS', inFields: true },
  { id: 'searchSlash', keys: '/', description: 'Search the directory (when not typing in a field)', group: 'Directory', key: '/', inFields: false },
  { id: 'postcode', keys: 'Alt+P', description: 'Set the postcode to search near', group: 'Directory', alt: true, code: 'KeyP', inFields: true },
  { id: 'openNow', keys: 'Alt+O', description: 'Show only services open now, or at the time set in “open at” (on or off)', group: 'Directory', alt: true, code: 'KeyO', inFields: true },
  { id: 'openAt', keys: 'Alt+T', description: 'Open at a time: judge opening at “tonight 02:00”, “Sat 10:00”… (empty for now)', group: 'Directory', alt: true, code: 'KeyT', inFields: true },
  { id: 'nextResult', keys: 'Alt+↓', description: 'Next result', group: 'Directory', alt: true, code: 'ArrowDown', inFields: true },
  { id: 'prevResult', keys: 'Alt+↑', description: 'Previous result', group: 'Directory', alt: true, code: 'ArrowUp', inFields: true },
  { id: 'copyPhone', keys: 'Alt+C', description: 'Copy the selected service’s first public phone number', group: 'Directory', alt: true, code: 'KeyC', inFields: true },
  { id: 'refer', keys: 'Alt+R', description: 'Link the selected service to the call as a referral', group: 'Directory', alt: true, code: 'KeyR', inFields: true },
  { id: 'report', keys: 'Alt+K', description: 'Report a problem with the selected service, then a letter: N number not answering, C closed, H hours wrong, E eligibility wrong, O other', group: 'Directory', alt: true, code: 'KeyK', inFields: true },
  { id: 'help', keys: 'Ctrl+/', description: 'Show these shortcuts', group: 'General', ctrl: true, code: 'Slash', inFields: true },
  { id: 'helpQuestion', keys: '?', description: 'Show these shortcuts (when not typing in a field)', group: 'General', key: '?', inFields: false },
];

export const shortcutKeys = (id: ShortcutId): string => SHORTCUTS.find((s) => s.id === id)!.keys;

/** Keys every page already has, listed in the help dialog but handled by the browser. */
export const STANDARD_KEYS: { keys: string; description: string }[] = [
  { keys: 'Tab / Shift+Tab', description: 'Move between fields and buttons' },
  { keys: 'Enter', description: 'Open the focused service’s details; press the focused button' },
  { keys: 'Space', description: 'Tick or untick a checkbox' },
  { keys: '↑ ↓', description: 'Choose between options in a group' },
  { keys: 'Esc', description: 'Close a dialog' },
];

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}

/** The shortcut an event means, or null. */
export function matchShortcut(e: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'code' | 'key' | 'target'>): Shortcut | null {
  const ctrl = e.ctrlKey || e.metaKey;
  for (const s of SHORTCUTS) {
    if (s.key !== undefined) {
      if (e.key === s.key && !e.altKey && !ctrl && !isTyping(e.target)) return s;
      continue;
    }
    if (e.code !== s.code || !!s.alt !== e.altKey || !!s.ctrl !== ctrl || (!!s.shift !== e.shiftKey && s.code !== 'Slash')) continue;
    // Alt+↑/↓ opens a drop-down list: leave it to the list while one has focus.
    if ((s.id === 'nextResult' || s.id === 'prevResult') && (e.target as HTMLElement | null)?.tagName === 'SELECT') continue;
    return s;
  }
  return null;
}
