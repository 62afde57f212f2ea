import { useEffect, useId, useRef, type ReactNode } from 'react';
import { focusPending } from '../lib/focus';
import { Icon } from './Icon';

/*
 * A modal dialog on the native <dialog> element: the browser makes the rest of the page inert and
 * keeps focus inside. It closes on Esc and on a click outside it. Opening, focus goes to the first
 * field, or to the title: never to an action button, so Enter can never do something irreversible
 * by default (a dialog names a safe button with `initialFocus` when it wants one). Closing, focus
 * goes back where it was, unless the action taken has already moved it on, or to the call record
 * when where it was has gone.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  size = 'medium',
  initialFocus,
  describedBy,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  size?: 'small' | 'medium' | 'large' | 'wide';
  /** CSS selector of the element to focus first (defaults to the first field, else the title). Never an irreversible action. */
  initialFocus?: string;
  describedBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const returnTo = useRef<HTMLElement | null>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      returnTo.current = document.activeElement as HTMLElement | null;
      d.showModal();
      const first =
        (initialFocus && d.querySelector<HTMLElement>(initialFocus)) ||
        d.querySelector<HTMLElement>('[data-autofocus], .dialog__body input:not([type=hidden]), .dialog__body textarea, .dialog__body select') ||
        d.querySelector<HTMLElement>('.dialog__title');
      first?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open, initialFocus]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onCancel = (e: Event) => {
      e.preventDefault();
      onCloseRef.current();
    };
    const onClosed = () => {
      const back = returnTo.current;
      returnTo.current = null;
      const active = document.activeElement;
      // The action that closed it puts focus where the next keystroke belongs (or already has): leave it to that.
      if (focusPending() || (active && active !== document.body && !d.contains(active))) return;
      const target = back?.isConnected && !back.closest('[inert]') ? back : document.getElementById('record-body');
      target?.focus({ preventScroll: true });
    };
    // A click outside the dialog (on its backdrop) closes it, as Esc does; a drag that starts
    // inside (selecting text) and ends outside does not.
    let pressedOutside = false;
    const outside = (e: MouseEvent) => {
      if (e.target !== d) return false;
      const r = d.getBoundingClientRect();
      return e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
    };
    const onPointerDown = (e: PointerEvent) => {
      pressedOutside = outside(e);
    };
    const onClick = (e: MouseEvent) => {
      if (pressedOutside && outside(e)) onCloseRef.current();
      pressedOutside = false;
    };
    d.addEventListener('cancel', onCancel);
    d.addEventListener('close', onClosed);
    d.addEventListener('pointerdown', onPointerDown);
    d.addEventListener('click', onClick);
    return () => {
      d.removeEventListener('cancel', onCancel);
      d.removeEventListener('close', onClosed);
      d.removeEventListener('pointerdown', onPointerDown);
      d.removeEventListener('click', onClick);
    };
  }, []);

  return (
    <dialog ref={ref} className={`dialog dialog--${size}`} aria-labelledby={titleId} aria-describedby={describedBy}>
      {open && (
        <>
          <header className="dialog__header">
            <h2 id={titleId} className="dialog__title" tabIndex={-1}>
              {title}
            </h2>
            <button type="button" className="dialog-close" onClick={onClose}>
              <Icon name="close" />
              <span>
                Close <kbd>Esc</kbd>
              </span>
            </button>
          </header>
          <div className="dialog__body">{children}</div>
        </>
      )}
    </dialog>
  );
}

export function Kbd({ children }: { children: string }) {
  return <kbd className="kbd">{children}</kbd>;
}
