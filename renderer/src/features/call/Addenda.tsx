import { useId, useState } from 'react';
import { callbackOwed, type CallRecord } from '../../../../shared/domain/call-record';
import { Icon } from '../../components/Icon';
import { dateDMY, timeHM } from '../../lib/time';
import { useCallSession } from '../../stores/call-session';

/** Addenda: how a finalised record is corrected or added to. Each is kept with its own hash. */
export function Addenda({ record }: { record: CallRecord }) {
  const addAddendum = useCallSession((s) => s.addAddendum);
  const [text, setText] = useState('');
  const [callbackMade, setCallbackMade] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const owed = callbackOwed(record);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async () => {
    if (busy) return;
    if (!text.trim()) {
      setError('Write the addendum before adding it.');
      document.getElementById(`${id}-text`)?.focus();
      return;
    }
    setBusy(true);
    const e = await addAddendum(text.trim(), owed && callbackMade);
    setBusy(false);
    if (e) setError(e.message);
    else {
      setText('');
      setCallbackMade(false);
      setError(null);
    }
    // Back to the text box: ready for another addendum, and never the top of the page.
    document.getElementById(`${id}-text`)?.focus();
  };

  return (
    <section className="record-section addenda" aria-labelledby={`${id}-title`}>
      <div className="record-section__head">
        <h3 className="record-section__title" id={`${id}-title`}>
          Addenda
        </h3>
        <span className="section-note">Added after finalising; the record itself never changes</span>
      </div>
      {record.addenda.length === 0 ? (
        <p className="empty-note">No addenda yet.</p>
      ) : (
        <ol className="addenda__list">
          {record.addenda.map((a) => (
            <li key={a.id} className="addendum">
              <p className="addendum__meta">
                <Icon name="clock" /> {timeHM(a.createdAt)} on {dateDMY(a.createdAt)} ·{' '}
                <span className="addendum__author" data-testid="addendum-author">
                  {a.author ? `by ${a.author.displayName}` : 'written while nobody was signed in'}
                </span>{' '}
                · <span className="mono">hash {a.contentHash.slice(0, 12)}…</span>
                {a.callbackMadeAt && (
                  <span className="tag tag--green">
                    <Icon name="check" />
                    Callback made
                  </span>
                )}
              </p>
              <p className="prewrap">{a.text}</p>
            </li>
          ))}
        </ol>
      )}
      <form
        className="addenda__form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className={`field${error ? ' field--error' : ''}`}>
          <label className="field__label" htmlFor={`${id}-text`}>
            New addendum
          </label>
          <div className="field__hint" id={`${id}-hint`}>
            A correction or something learned after the call. It is dated and kept with the record.
          </div>
          {error && (
            <p className="field__error" id={`${id}-error`}>
              <span className="visually-hidden">Error: </span>
              {error}
            </p>
          )}
          <textarea
            id={`${id}-text`}
            className="textarea"
            rows={3}
            value={text}
            aria-invalid={!!error || undefined}
            aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        {owed && (
          <div className="field field--tight">
            <div className="choice choice--check">
              <input className="choice__input" type="checkbox" id={`${id}-callback`} checked={callbackMade} onChange={(e) => setCallbackMade(e.target.checked)} aria-describedby={`${id}-callback-hint`} />
              <label className="choice__label" htmlFor={`${id}-callback`}>
                This addendum records the callback as made
                <span className="choice__hint" id={`${id}-callback-hint`}>
                  Write what happened on the callback. It is then no longer listed as due.
                </span>
              </label>
            </div>
          </div>
        )}
        {/* Not disabled while it works: a disabled button drops focus to the top of the page. */}
        <button type="submit" className="button" aria-disabled={busy || undefined}>
          <Icon name="plus" />
          Add addendum
        </button>
      </form>
    </section>
  );
}
