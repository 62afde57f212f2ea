import { useFormContext, useWatch } from 'react-hook-form';
import { CONSENT_STATES, EMERGENCY_INTERVENTIONS, INTERVENTIONS, OUTCOME_CODES, PRESENTING_CATEGORIES, type OutcomeCode } from '../../../../../shared/domain/call-record';
import { dateLong, fromLocalText, localTextAt, timeHM, toLocalText } from '../../../lib/time';
import { Checkbox, CheckboxGroup, RadioGroup, Section, TextArea, TextField, useFieldId } from '../fields';
import type { FormValues } from '../form-model';
import { CONSENT_LABELS, INTERVENTION_LABELS, PRESENTING_CATEGORY_LABELS } from '../labels';

export function NeedSection() {
  return (
    <Section id="sec-need" title="Presenting need">
      <CheckboxGroup
        name="presentingNeed.categories"
        legend="What the call is about"
        hint="Choose all that apply."
        options={PRESENTING_CATEGORIES.map((v) => ({ value: v, label: PRESENTING_CATEGORY_LABELS[v] }))}
        columns={3}
      />
      <TextArea name="presentingNeed.summary" label="Summary" hint="Why the person called today, in their words where you can." rows={4} />
    </Section>
  );
}

export function InterventionsSection() {
  return (
    <Section id="sec-interventions" title="Interventions">
      <CheckboxGroup
        name="interventions.items"
        legend="What you did on this call"
        options={INTERVENTIONS.map((v) => ({ value: v, label: INTERVENTION_LABELS[v], emphasis: EMERGENCY_INTERVENTIONS.includes(v) }))}
        columns={3}
      />
      <TextArea name="interventions.notes" label="Notes" rows={2} />
    </Section>
  );
}

export function OutcomeSection() {
  // Sorted: '98' is an integer-like key, which JavaScript would list first.
  const codes = (Object.keys(OUTCOME_CODES) as OutcomeCode[]).sort();
  return (
    <Section id="sec-outcome" title="Outcome" aside={<span className="section-note">National MHSDS crisis-line outcome codes</span>}>
      <RadioGroup name="outcome.code" legend="Outcome of the call" options={codes.map((c) => ({ value: c, label: `${c} · ${OUTCOME_CODES[c]}` }))} />
      <TextArea name="outcome.notes" label="Notes" rows={2} />
    </Section>
  );
}

export function CallbackSection() {
  const { control, setValue, trigger } = useFormContext<FormValues>();
  const [required, callerPhone, dueText, completedAt] = useWatch({ control, name: ['callback.required', 'caller.phone', 'callback.dueAt', 'callback.completedAt'] });
  const madeId = useFieldId('callback.completedAt');
  const due = dueText.trim() ? fromLocalText(dueText) : null;
  const set = (days: number, h: number, m: number) => setValue('callback.dueAt', localTextAt(new Date(), days, h, m), { shouldDirty: true, shouldValidate: true });
  const inHours = (hours: number) => {
    const t = new Date(Date.now() + hours * 3_600_000);
    t.setUTCMinutes(Math.ceil(t.getUTCMinutes() / 15) * 15, 0, 0);
    setValue('callback.dueAt', toLocalText(t.toISOString()), { shouldDirty: true, shouldValidate: true });
  };
  return (
    <Section id="sec-callback" title="Callback">
      <Checkbox name="callback.required" label="A callback is needed" />
      {required && (
        <div className="callback-box">
          <TextField
            name="callback.dueAt"
            label="Due (London time)"
            hint={
              due ? (
                <strong className="hint-strong">
                  {dateLong(due)} at {timeHM(due)}
                </strong>
              ) : (
                'Day/month/year and 24-hour time, for example 22/11/2026 15:30'
              )
            }
            inputMode="numeric"
            width="m"
            after={
              <span className="quick-set">
                <button type="button" className="button button--small button--secondary" onClick={() => inHours(1)}>
                  In 1 hour
                </button>
                <button type="button" className="button button--small button--secondary" onClick={() => inHours(4)}>
                  In 4 hours
                </button>
                <button type="button" className="button button--small button--secondary" onClick={() => set(1, 9, 0)}>
                  Tomorrow 09:00
                </button>
              </span>
            }
          />
          <TextField
            name="callback.phone"
            label="Number to call back on"
            hint={callerPhone.trim() ? `Leave blank to use the caller’s number, ${callerPhone.trim()}` : undefined}
            width="m"
            type="tel"
            inputMode="tel"
          />
          <TextArea name="callback.reason" label="Reason for the callback" rows={2} />
          <div className="field field--tight">
            <div className="choice choice--check">
              <input
                className="choice__input"
                type="checkbox"
                id={madeId}
                checked={completedAt !== null}
                aria-describedby={`${madeId}-hint`}
                onChange={(e) => {
                  setValue('callback.completedAt', e.target.checked ? new Date().toISOString() : null, { shouldDirty: true });
                  // Whether a due time that has passed matters depends on this.
                  void trigger('callback.dueAt');
                }}
              />
              <label className="choice__label" htmlFor={madeId}>
                The callback has been made
                <span className="choice__hint" id={`${madeId}-hint`}>
                  {completedAt ? `Recorded as made at ${timeHM(completedAt)}.` : 'Tick once you have called back, before finalising. After finalising, record it with an addendum.'}
                </span>
              </label>
            </div>
          </div>
        </div>
      )}
    </Section>
  );
}

export function ConsentSection() {
  return (
    <Section id="sec-consent" title="Consent">
      <RadioGroup
        name="consent.informationSharing"
        legend="Does the caller consent to information being shared with other services?"
        options={CONSENT_STATES.map((v) => ({ value: v, label: CONSENT_LABELS[v] }))}
        inline
      />
      <TextArea name="consent.notes" label="Notes" hint="If consent was declined but information is shared, record why." rows={2} />
    </Section>
  );
}
