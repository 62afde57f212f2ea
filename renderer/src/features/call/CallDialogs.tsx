import { useId, useState } from 'react';
import { Dialog, Kbd } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { CallsList } from './CallsList';

export function FinaliseDialog() {
  const open = useApp((s) => s.dialog === 'finalise');
  const close = useApp((s) => s.closeDialog);
  const confirm = useCallSession((s) => s.confirmFinalise);
  const busy = useCallSession((s) => s.busy);
  return (
    <Dialog open={open} title="Finalise this call record?" onClose={close} size="small" initialFocus="[data-autofocus]">
      {/* Finalising cannot be undone, so it is never the default: Enter goes back to the record. */}
      <p>Once finalised, the record cannot be changed. Corrections and anything learned later are added as addenda, which are dated and kept with it.</p>
      <p>It is sent to the trust’s central record when this desk next syncs.</p>
      <div className="button-row">
        <button type="button" className="button" onClick={() => !busy && void confirm()} aria-disabled={busy || undefined}>
          <Icon name="lock" />
          Finalise record
        </button>
        <button type="button" className="button button--secondary" data-autofocus onClick={close}>
          Go back to the record
        </button>
      </div>
    </Dialog>
  );
}

export function DiscardDialog() {
  const open = useApp((s) => s.dialog === 'discard');
  const close = useApp((s) => s.closeDialog);
  const discard = useCallSession((s) => s.discard);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const onClose = () => {
    setReason('');
    setError(null);
    close();
  };
  const submit = async () => {
    if (busy) return;
    if (!reason.trim()) {
      setError('Say why the draft is discarded.');
      document.getElementById(`${id}-reason`)?.focus();
      return;
    }
    setBusy(true);
    const e = await discard(reason);
    setBusy(false);
    if (e) {
      setError(e.message);
      document.getElementById(`${id}-reason`)?.focus();
    } else onClose();
  };

  return (
    <Dialog open={open} title="Discard this draft?" onClose={onClose} size="small">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p>
          Use this for a record started by mistake or for the wrong call. The draft is not deleted: it is kept on this desk, marked discarded, with your reason, and it
          leaves the list of calls.
        </p>
        <div className={`field${error ? ' field--error' : ''}`}>
          <label className="field__label" htmlFor={`${id}-reason`}>
            Why is it being discarded?
          </label>
          <div className="field__hint" id={`${id}-hint`}>
            For example: opened by mistake; duplicate of another record.
          </div>
          {error && (
            <p className="field__error" id={`${id}-error`}>
              <span className="visually-hidden">Error: </span>
              {error}
            </p>
          )}
          <textarea
            id={`${id}-reason`}
            className="textarea"
            rows={2}
            value={reason}
            aria-invalid={!!error || undefined}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            onChange={(e) => setReason(e.target.value)}
          />
        </div>
        <div className="button-row">
          {/* Not disabled while it works: a disabled button drops focus to the top of the page. */}
          <button type="submit" className="button button--warning" aria-disabled={busy || undefined}>
            <Icon name="trash" />
            Discard draft
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            Keep the draft
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function CallsDialog() {
  const open = useApp((s) => s.dialog === 'calls');
  const close = useApp((s) => s.closeDialog);
  return (
    <Dialog open={open} title="Calls on this desk" onClose={close} size="medium" initialFocus=".calls__open">
      <p className="muted">
        Drafts first. Choose one to resume it; the one open now is saved first. <Kbd>Esc</Kbd> closes this list.
      </p>
      <CallsList onOpened={close} />
    </Dialog>
  );
}
