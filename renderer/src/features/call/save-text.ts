import { timeHMS } from '../../lib/time';
import type { SaveState } from '../../stores/call-session';

/*
 * The record header's save status in words. It speaks of this desk only (a save lands in desk.db,
 * whatever the network does; the status bar tells what has reached the server), and never claims a
 * save that did not happen: while the desk cannot be reached, it says so, whatever the last answer was.
 */

export interface SaveLine {
  tone: 'saved' | 'saving' | 'failed';
  icon: 'check' | 'saving' | 'cloudOff';
  text: string;
  /** A settled state, announced to screen readers (not "Saving…" on every keystroke). */
  settled: boolean;
}

/** `heldBack`: labels of fields whose text is on screen only (too long to save even in a draft). */
export function saveLine(save: SaveState, deskUp: boolean, heldBack: readonly string[] = []): SaveLine {
  if (!deskUp) {
    return save.kind === 'saved'
      ? { tone: 'failed', icon: 'cloudOff', text: `Desk not running — saved up to ${timeHMS(save.at)}; anything typed now stays on this screen until it is back`, settled: true }
      : { tone: 'failed', icon: 'cloudOff', text: 'Not saved — the desk is not running. What you type stays on this screen and is saved when it is back.', settled: true };
  }
  switch (save.kind) {
    case 'saved':
      // Never "saved" while a field's text is on screen only.
      return heldBack.length
        ? { tone: 'failed', icon: 'cloudOff', text: `Saved ${timeHMS(save.at)} except ${heldBack.join(', ')}: too long to save`, settled: true }
        : { tone: 'saved', icon: 'check', text: `Saved ${timeHMS(save.at)}`, settled: true };
    case 'pending':
    case 'saving':
      return { tone: 'saving', icon: 'saving', text: 'Saving…', settled: false };
    case 'failed':
      return { tone: 'failed', icon: 'cloudOff', text: `Not saved — ${save.reason}${save.retrying ? ' Trying again…' : ''}`, settled: true };
  }
}
