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

/** The focus move waiting for the screen to settle; a newer one, or the clinician acting first, cancels it. */
let waiting: { cancel(): void } | null = null;

/** Whether a focus move is waiting for the screen to settle (a dialog closing leaves focus to it). */
export const focusPending = (): boolean => waiting !== null;

/**
 * Whether focus is where nobody would have put it on purpose: nowhere (the page), on an element
 * that has gone, in a dialog about to close, at the top of the page, or where it was when the move
 * was asked for. Anywhere else, someone moved it since, and the move gives way.
 */
function unclaimed(active: Element | null, startedOn: Element | null): boolean {
  return !active || active === active.ownerDocument.body || active === startedOn || !active.isConnected || !!active.closest('dialog[open], .app-header');
}

/**
 * Moves focus to what `find` returns once the screen has settled: after the render that shows it
 * and after any dialog closing in the same step (which then leaves focus to it). Tries for a few
 * frames, as the element may not be on screen yet; gives way once the clinician presses a key or
 * clicks, or focus is put somewhere else meanwhile, or a newer move is asked for.
 */
export function focusWhenReady(find: () => HTMLElement | null, { reveal = true, frames = 30 }: { reveal?: boolean; frames?: number } = {}): void {
  waiting?.cancel();
  let cancelled = false;
  const startedOn = document.activeElement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const me = {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      window.removeEventListener('keydown', onUser, true);
      window.removeEventListener('pointerdown', onUser, true);
      if (waiting === me) waiting = null;
    },
  };
  // The keystroke that asked for this move (Alt+N) is over before it is scheduled.
  const onUser = () => me.cancel();
  window.addEventListener('keydown', onUser, true);
  window.addEventListener('pointerdown', onUser, true);
  waiting = me;
  const attempt = (left: number) => {
    if (cancelled) return;
    if (!unclaimed(document.activeElement, startedOn)) return me.cancel();
    const el = find();
    if (el && focusable(el)) {
      el.focus({ preventScroll: true });
      if (reveal) revealInPane(el, 'start');
      if (el.ownerDocument.activeElement === el) return me.cancel();
    }
    if (left > 0) timer = setTimeout(() => attempt(left - 1), 16);
    else me.cancel();
  };
  timer = setTimeout(() => attempt(frames), 0);
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
