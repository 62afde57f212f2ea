import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Icon } from './Icon';

/*
 * A modal dialog on the native <dialog> element: the browser makes the rest of the page inert,
 * keeps focus inside, and closes it on Esc. Focus goes back where it was when it closes.
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
  /** CSS selector of the element to focus first (defaults to the first field or button). */
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
      const first = (initialFocus && d.querySelector<HTMLElement>(initialFocus)) || d.querySelector<HTMLElement>('[data-autofocus], input, textarea, select, button:not(.dialog-close)');
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
      // Unless what closed it has already put the cursor somewhere (a referral's notes).
      const focus = document.activeElement;
      const unplaced = !focus || focus === document.body || d.contains(focus) || focus === back;
      if (back?.isConnected && unplaced) back.focus({ preventScroll: false });
    };
    d.addEventListener('cancel', onCancel);
    d.addEventListener('close', onClosed);
    return () => {
      d.removeEventListener('cancel', onCancel);
      d.removeEventListener('close', onClosed);
    };
  }, []);

  return (
    <dialog ref={ref} className={`dialog dialog--${size}`} aria-labelledby={titleId} aria-describedby={describedBy}>
      {open && (
        <>
          <header className="dialog__header">
            <h2 id={titleId} className="dialog__title">
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
