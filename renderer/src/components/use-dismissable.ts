import { useEffect, type RefObject } from 'react';

/**
 * A <details> pop-up (a drop-down of choices) that behaves like one: Esc closes it and puts the
 * cursor back on its button; a click outside or Tab out of it closes it, and if the cursor was
 * left inside what closed, it goes back to the button rather than to the top of the page.
 */
export function useDismissable(ref: RefObject<HTMLDetailsElement | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const summary = () => el.querySelector<HTMLElement>(':scope > summary');
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !el.open) return;
      e.preventDefault();
      e.stopPropagation();
      el.open = false;
      summary()?.focus();
    };
    const onPointerDown = (e: PointerEvent) => {
      if (!el.open || el.contains(e.target as Node)) return;
      el.open = false;
      // After the click has moved the cursor (or not): never leave it on the hidden choices.
      setTimeout(() => {
        const focus = document.activeElement;
        if (!focus || focus === document.body || (el.contains(focus) && focus !== summary())) summary()?.focus();
      }, 0);
    };
    const onFocusOut = (e: FocusEvent) => {
      if (el.open && e.relatedTarget instanceof Node && !el.contains(e.relatedTarget)) el.open = false;
    };
    el.addEventListener('keydown', onKeyDown);
    el.addEventListener('focusout', onFocusOut);
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => {
      el.removeEventListener('keydown', onKeyDown);
      el.removeEventListener('focusout', onFocusOut);
      document.removeEventListener('pointerdown', onPointerDown, true);
    };
  }, [ref]);
}
