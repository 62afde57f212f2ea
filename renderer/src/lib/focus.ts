/*
 * Where focus goes after an action that changes the screen (a record opened, finalised or
 * discarded, an addendum added, a dialog closed): where the next keystroke belongs, never the top
 * of the page (whose next Tab reaches the header's buttons).
 */

/** Whether the element can take focus now: rendered, and not behind a modal dialog still open. */
function focusable(el: HTMLElement): boolean {
  if (!el.isConnected) return false;
  const modal = el.ownerDocument.querySelector('dialog[open]');
  return !modal || modal.contains(el);
}

/** Scrolls an element into view inside its own pane (never the page, whose header must stay in view). */
export function revealInPane(el: HTMLElement, block: 'center' | 'start' = 'center'): void {
  const pane = el.closest<HTMLElement>('.pane__body, .dialog__body');
  if (!pane) return;
  const paneBox = pane.getBoundingClientRect();
  const box = el.getBoundingClientRect();
  const offset = box.top - paneBox.top + pane.scrollTop;
  const top = block === 'start' ? offset - 12 : offset - (pane.clientHeight - Math.min(box.height, pane.clientHeight)) / 2;
  pane.scrollTo({ top: Math.max(0, top) });
}

/**
 * Moves focus to what `find` returns once the screen has settled: after the render that shows it
 * and after any dialog closing in the same step (whose own return of focus it then overrides).
 * Tries for a few frames, as the element may not be on screen yet.
 */
export function focusWhenReady(find: () => HTMLElement | null, { reveal = true, frames = 30 }: { reveal?: boolean; frames?: number } = {}): void {
  const attempt = (left: number) => {
    const el = find();
    if (el && focusable(el)) {
      el.focus({ preventScroll: true });
      if (reveal) revealInPane(el, 'start');
      if (el.ownerDocument.activeElement === el) return;
    }
    if (left > 0) setTimeout(() => attempt(left - 1), 16);
  };
  setTimeout(() => attempt(frames), 0);
}

/** Where a record's keyboard work starts: its first field for a draft, its status line when finalised. */
export function recordStart(): HTMLElement | null {
  return (
    document.querySelector<HTMLElement>('#f-caller-type input:checked') ??
    document.querySelector<HTMLElement>('#f-caller-type input') ??
    document.getElementById('record-status')
  );
}

/** Nothing open: the button that starts the next call. */
export const emptyStart = (): HTMLElement | null => document.getElementById('start-call');
