import type { FormEvent, ReactNode } from 'react';
import { londonDateOf } from '../../../../shared/lib/calendar';
import { Icon } from '../../components/Icon';
import { useShift, type ShiftField } from '../../stores/shift';
import { dateFieldText } from '../../stores/shift-text';

/*
 * Which team and which shift: one of the team's shifts (its presets, London wall-clock times, so a
 * night across a clock change is 13 or 11 hours) on a day, or any range up to 31 days. A problem is
 * said at the field it concerns, before anything is asked of the core.
 */

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field__error" id={id}>
      <span>
        <span className="visually-hidden">Error: </span>
        {message}
      </span>
    </p>
  );
}

function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error: string | undefined; children: ReactNode }) {
  return (
    <div className={`field field--tight shift-choice__field${error ? ' field--error' : ''}`}>
      <label className="field__label field__label--small" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <div className="field__hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
      <FieldError id={`${id}-error`} message={error} />
      {children}
    </div>
  );
}

const describedBy = (...ids: (string | false)[]) => ids.filter(Boolean).join(' ') || undefined;

export function ShiftChoice() {
  const { teams, teamId, presets, choice, fieldErrors, loading, setTeam, setChoice, show } = useShift();
  const err = (f: ShiftField) => fieldErrors[f];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void show();
  };
  const today = dateFieldText(londonDateOf(new Date()));
  return (
    <form className="shift-choice" aria-label="Choose the shift" onSubmit={submit} noValidate>
      <Field id="shift-team" label="Team" error={err('teamId')}>
        <select
          id="shift-team"
          className="select"
          value={teamId ?? ''}
          aria-invalid={err('teamId') ? true : undefined}
          aria-describedby={describedBy(!!err('teamId') && 'shift-team-error')}
          onChange={(e) => void setTeam(e.target.value)}
        >
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </Field>
      <fieldset className="shift-choice__kind">
        <legend className="field__label field__label--small">Show</legend>
        <div className="choices choices--inline">
          <div className="choice choice--small">
            <input
              className="choice__input"
              type="radio"
              id="shift-kind-preset"
              name="shift-kind"
              checked={choice.kind === 'preset'}
              onChange={() => setChoice({ kind: 'preset', presetId: presets[0]?.id ?? 'day', dateText: today })}
            />
            <label className="choice__label" htmlFor="shift-kind-preset">
              A shift
            </label>
          </div>
          <div className="choice choice--small">
            <input
              className="choice__input"
              type="radio"
              id="shift-kind-range"
              name="shift-kind"
              checked={choice.kind === 'range'}
              onChange={() => setChoice({ kind: 'range', ...useShift.getState().rangeTextsShown() })}
            />
            <label className="choice__label" htmlFor="shift-kind-range">
              Any range
            </label>
          </div>
        </div>
      </fieldset>
      {choice.kind === 'preset' ? (
        <>
          <Field id="shift-preset" label="Shift" error={err('preset')}>
            <select id="shift-preset" className="select" value={choice.presetId} onChange={(e) => setChoice({ ...choice, presetId: e.target.value })}>
              {presets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label} ({p.start}–{p.end})
                </option>
              ))}
            </select>
          </Field>
          <Field id="shift-date" label="Starting on" hint="Day/month/year" error={err('date')}>
            <input
              id="shift-date"
              className="input input--s"
              inputMode="numeric"
              autoComplete="off"
              value={choice.dateText}
              aria-invalid={err('date') ? true : undefined}
              aria-describedby={describedBy('shift-date-hint', !!err('date') && 'shift-date-error')}
              onChange={(e) => setChoice({ ...choice, dateText: e.target.value })}
            />
          </Field>
        </>
      ) : (
        <>
          <Field id="shift-from" label="From" hint="Day/month/year 24-hour time, London" error={err('from')}>
            <input
              id="shift-from"
              className="input input--m"
              autoComplete="off"
              value={choice.fromText}
              aria-invalid={err('from') ? true : undefined}
              aria-describedby={describedBy('shift-from-hint', !!err('from') && 'shift-from-error')}
              onChange={(e) => setChoice({ ...choice, fromText: e.target.value })}
            />
          </Field>
          <Field id="shift-to" label="To" hint="Up to 31 days after the start" error={err('to')}>
            <input
              id="shift-to"
              className="input input--m"
              autoComplete="off"
              value={choice.toText}
              aria-invalid={err('to') ? true : undefined}
              aria-describedby={describedBy('shift-to-hint', !!err('to') && 'shift-to-error')}
              onChange={(e) => setChoice({ ...choice, toText: e.target.value })}
            />
          </Field>
        </>
      )}
      <div className="shift-choice__go">
        <button type="submit" className="button" aria-busy={loading || undefined}>
          <Icon name="refresh" />
          {loading ? 'Working…' : 'Show figures'}
        </button>
      </div>
    </form>
  );
}
