import { useEffect, useId, useRef, useState } from 'react';
import type { DirectoryService } from '../../../../shared/domain/directory';
import { REPORT_KIND_KEYS, REPORT_KIND_LABELS, REPORT_KINDS, REPORT_NOTE_MAX, reportNoteProblem, type ReportKind } from '../../../../shared/domain/directory-quality';
import { desk } from '../../client/desk';
import { Dialog, Kbd } from '../../components/Dialog';
import { ErrorAlert } from '../../components/ErrorAlert';
import { announce, useApp } from '../../stores/app';
import { useDirectory } from '../../stores/directory';
import { useSync } from '../../stores/sync';
import { firstPublicPhone } from './format';

/*
 * Report a problem with a service in two keys: Alt+K on the selected result (or the
 * card's and the details' "Report a problem" button), then the kind's letter — N number not
 * answering or wrong, C closed, H hours wrong, E eligibility wrong — sends it. O (other) asks for a
 * few words first. The report is queued on the desk like a record's change (offline too), shown on
 * the card at once, and on every desk of the trust after their next catch-up.
 */

const KIND_TEXT: Record<ReportKind, string> = {
  number_not_answering: 'Number not answering or wrong',
  service_closed: 'Service closed',
  hours_wrong: 'Opening hours wrong',
  eligibility_wrong: 'Who it is for is wrong',
  other: 'Something else (say what)',
};

const KIND_BY_CODE = new Map(REPORT_KINDS.map((k) => [`Key${REPORT_KIND_KEYS[k]}`, k]));

function isTextField(el: EventTarget | null): boolean {
  const t = el as HTMLElement | null;
  return !!t && (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || (t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'text'));
}

export function ReportDialog() {
  const open = useApp((s) => s.dialog === 'report');
  const serviceId = useApp((s) => s.serviceId);
  const close = useApp((s) => s.closeDialog);
  const fromList = useDirectory((s) => s.results.find((r) => r.service.id === serviceId)?.service);
  const [service, setService] = useState<DirectoryService | null>(null);
  const [phone, setPhone] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  // The service as the list has it, or (opened from the details of one not in the list) from the desk.
  useEffect(() => {
    if (!open || !serviceId) return;
    setNote('');
    setError(null);
    setSending(false);
    if (fromList) {
      setService(fromList);
      return;
    }
    let live = true;
    setService(null);
    void desk()
      .call('directory.get', { id: serviceId })
      .then((r) => {
        if (!live) return;
        if (r.ok) setService(r.value.service);
        else setError(r.error.message);
      });
    return () => {
      live = false;
    };
    // Only when the dialog opens, or for another service: a catch-up must not clear a half-written note.
  }, [open, serviceId]);

  const phones = service?.phones ?? [];
  useEffect(() => {
    if (service) setPhone(firstPublicPhone(service)?.number ?? service.phones[0]?.number ?? '');
  }, [service]);

  const noteProblem = note ? reportNoteProblem(note.trim()) : null;

  async function send(kind: ReportKind) {
    if (!service || sending) return;
    if (kind === 'other' && !note.trim()) {
      setError('Say in a few words what is wrong, then press Send.');
      noteRef.current?.focus();
      return;
    }
    if (noteProblem) {
      setError(noteProblem);
      noteRef.current?.focus();
      return;
    }
    setSending(true);
    const authorId = useSync.getState().status?.session?.user?.userId;
    const r = await desk().call('directory.report', {
      serviceId: service.id,
      kind,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(kind === 'number_not_answering' && phone ? { phone } : {}),
      ...(useSync.getState().status ? { authorId: authorId ?? null } : {}),
    });
    setSending(false);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    close();
    announce(`Reported: ${service.name}, ${REPORT_KIND_LABELS[kind]}. Every desk of the trust will see it after its next sync.`, 'success');
    void useDirectory.getState().refreshShown();
  }

  // The second key: a kind's letter, anywhere in the dialog but the note and the number.
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.isComposing || !document.querySelector('[data-testid="report-dialog"]')?.closest('dialog')?.contains(e.target as Node)) return;
    if (e.altKey || e.ctrlKey || e.metaKey || isTextField(e.target)) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target === noteRef.current) {
        e.preventDefault();
        void send('other');
      }
      return;
    }
    const kind = KIND_BY_CODE.get(e.code);
    if (!kind || e.repeat) return;
    e.preventDefault();
    void send(kind);
  };
  useEffect(() => {
    if (!open) return;
    const listener = (e: KeyboardEvent) => onKey.current(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, [open]);

  return (
    <Dialog open={open} title={service ? `Report a problem: ${service.name}` : 'Report a problem'} onClose={close} size="medium" initialFocus=".dialog__title">
      {/* The letter keys act on the whole dialog; the buttons do the same by mouse or Tab. */}
      <div className="report" data-testid="report-dialog">
        <p className="muted small">
          Press a letter to send the report. It is shown on this service on every desk of the trust until a directory lead resolves it. Write nothing about the caller.
        </p>
        {phones.length > 1 && (
          <div className="field field--tight">
            <label className="field__label field__label--small" htmlFor={`${id}-phone`}>
              The number that did not answer
            </label>
            <select id={`${id}-phone`} className="select select--s" value={phone} onChange={(e) => setPhone(e.target.value)}>
              {phones.map((p, i) => (
                <option key={`${p.number}-${i}`} value={p.number}>
                  {p.number}
                  {p.label ? ` (${p.label})` : ''}
                </option>
              ))}
            </select>
          </div>
        )}
        <ul className="report__kinds">
          {REPORT_KINDS.map((k) => (
            <li key={k}>
              <button type="button" className="button button--secondary report__kind" disabled={sending || !service} onClick={() => void send(k)} data-kind={k}>
                <Kbd>{REPORT_KIND_KEYS[k]}</Kbd>
                <span>
                  {KIND_TEXT[k]}
                  {k === 'number_not_answering' && phone ? <span className="muted">: {phone}</span> : null}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <div className={`field field--tight${noteProblem ? ' field--error' : ''}`}>
          <label className="field__label field__label--small" htmlFor={`${id}-note`}>
            A few words (optional; needed for “something else”)
          </label>
          <textarea
            id={`${id}-note`}
            ref={noteRef}
            className="textarea"
            rows={2}
            maxLength={REPORT_NOTE_MAX}
            value={note}
            onChange={(e) => {
              setNote(e.target.value);
              setError(null);
            }}
            aria-describedby={`${id}-note-hint`}
          />
          <p className="field__hint" id={`${id}-note-hint`}>
            {note.length}/{REPORT_NOTE_MAX}. No names, NHS numbers or anything else about the caller. Ctrl+Enter sends it as “something else”.
          </p>
        </div>
        <ErrorAlert message={error} />
      </div>
    </Dialog>
  );
}
