import type { ServiceResult } from '../../../../shared/contract';
import { useCallSession } from '../../stores/call-session';

/** How many frames to wait for the record to draw the new referral (and a closing dialog to go). */
const FRAMES = 12;

/**
 * Links a result to the open call as a referral (Alt+R, a card's Refer button, or the details
 * dialog's) and puts the cursor where the next keystroke belongs: the new referral's notes, in the
 * record. Alt+↓ still moves on to the next result from there.
 */
export function referResult(result: ServiceResult): void {
  if (useCallSession.getState().linkService(result) !== 'added') return;
  const attempt = (left: number) =>
    requestAnimationFrame(() => {
      // A modal dialog makes the record inert: wait until it has closed.
      const items = document.querySelectorAll<HTMLElement>('#sec-referrals .referral');
      const notes = items[items.length - 1]?.querySelector<HTMLInputElement>('input[id$="-notes"]');
      if (notes && !document.querySelector('dialog[open]')) {
        notes.focus({ preventScroll: true });
        notes.scrollIntoView?.({ block: 'center' });
        return;
      }
      if (left > 0) attempt(left - 1);
    });
  attempt(FRAMES);
}
