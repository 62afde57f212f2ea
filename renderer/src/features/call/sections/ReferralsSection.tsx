import { useFormContext, useWatch, type FieldArrayWithId } from 'react-hook-form';
import { REFERRAL_METHODS } from '../../../../../shared/domain/call-record';
import { SERVICE_TYPE_LABELS } from '../../../../../shared/domain/service-types';
import { Icon } from '../../../components/Icon';
import { timeHM } from '../../../lib/time';
import { useCallSession } from '../../../stores/call-session';
import { ageOutsideRange, ageRangeLabel } from '../../directory/format';
import type { FormValues } from '../form-model';
import { REFERRAL_METHOD_LABELS } from '../labels';
import { CharacterCount, countShown, HELD_BACK_MESSAGE, HeldBackContext, IssuesContext, Section, useFieldId } from '../fields';
import { textLimitOf } from '../../../../../shared/domain/call-record';
import { tooLongProblem } from '../../../../../shared/domain/finalise';
import { useContext } from 'react';
import { shortcutKeys } from '../../../app/shortcuts';

export function ReferralsSection({
  fields,
  remove,
  callerAge,
}: {
  fields: FieldArrayWithId<FormValues, 'referrals'>[];
  remove: (i: number) => void;
  /** The caller's age for the age-range check; defaults to the open call's. */
  callerAge?: number | null;
}) {
  const { control, register } = useFormContext<FormValues>();
  const referrals = useWatch({ control, name: 'referrals' });
  const openCallAge = useCallSession((s) => s.context.age);
  const age = callerAge === undefined ? openCallAge : callerAge;
  const allIssues = useContext(IssuesContext);
  const heldBack = useContext(HeldBackContext);
  const issues = allIssues.get('referrals') ?? [];
  const notesLimit = textLimitOf('referrals.0.notes')!;
  const id = useFieldId('referrals');

  return (
    <Section id="sec-referrals" title="Referrals">
      <div id={id} tabIndex={-1} className={`field${issues.length ? ' field--error' : ''}`}>
        {issues.length > 0 && (
          <p className="field__error">
            {issues.map((m, i) => (
              <span key={i}>
                <span className="visually-hidden">Error: </span>
                {m}
              </span>
            ))}
          </p>
        )}
        {fields.length === 0 ? (
          <p className="empty-note">
            No services linked yet. Find one in the directory and choose <strong>Refer</strong> (<kbd className="kbd">{shortcutKeys('refer')}</kbd> on the selected result).
          </p>
        ) : (
          <ol className="referrals">
            {fields.map((f, i) => {
              const r = referrals[i] ?? f;
              const outside = ageOutsideRange(age, r.serviceAgeMin, r.serviceAgeMax);
              const rid = `${id}-${i}`;
              // One message per problem: a length over the limit is said by the counter.
              const notesLength = (r.notes ?? '').length;
              const notesMessages = [
                ...(heldBack.has(`referrals.${i}.notes`) ? [HELD_BACK_MESSAGE] : []),
                ...(allIssues.get(`referrals.${i}.notes`) ?? []).filter((m) => m !== tooLongProblem(notesLength, notesLimit)),
              ];
              return (
                <li key={f.id} className={`referral${outside ? ' referral--warning' : ''}`}>
                  <div className="referral__head">
                    <div>
                      <h4 className="referral__name">{r.serviceName}</h4>
                      <p className="referral__meta">
                        {SERVICE_TYPE_LABELS[r.serviceType]} · <span className="referral__age">{ageRangeLabel(r.serviceAgeMin, r.serviceAgeMax)}</span> · linked {timeHM(r.at)}
                      </p>
                    </div>
                    <button type="button" className="button button--small button--secondary" onClick={() => remove(i)} aria-label={`Remove ${r.serviceName} from the referrals`}>
                      <Icon name="trash" />
                      Remove
                    </button>
                  </div>
                  {outside && (
                    <p className="inline-alert inline-alert--error">
                      <Icon name="warning" />
                      <span>
                        <strong>Age mismatch:</strong> this service takes {ageRangeLabel(r.serviceAgeMin, r.serviceAgeMax).toLowerCase()}; the caller is {age}. Choose a service for this age.
                      </span>
                    </p>
                  )}
                  <div className="grid grid--referral">
                    <div className="field">
                      <label className="field__label field__label--small" htmlFor={`${rid}-method`}>
                        How
                      </label>
                      <select id={`${rid}-method`} className="select" {...register(`referrals.${i}.method`)}>
                        {REFERRAL_METHODS.map((m) => (
                          <option key={m} value={m}>
                            {REFERRAL_METHOD_LABELS[m]}
                          </option>
                        ))}
                      </select>
                    </div>
                    <div className="field">
                      <label className="field__label field__label--small" htmlFor={`${rid}-notes`}>
                        Notes
                      </label>
                      {notesMessages.length > 0 && (
                        <p className="field__error" id={`${rid}-notes-error`}>
                          {notesMessages.map((m) => (
                            <span key={m}>
                              <span className="visually-hidden">Error: </span>
                              {m}
                            </span>
                          ))}
                        </p>
                      )}
                      <input
                        id={`${rid}-notes`}
                        className="input input--full"
                        autoComplete="off"
                        aria-invalid={notesMessages.length > 0 || undefined}
                        aria-describedby={[notesMessages.length > 0 && `${rid}-notes-error`, countShown({ length: notesLength, limit: notesLimit }) && `${rid}-notes-count`].filter(Boolean).join(' ') || undefined}
                        {...register(`referrals.${i}.notes`)}
                      />
                      <CharacterCount id={`${rid}-notes-count`} counted={{ length: notesLength, limit: notesLimit }} />
                    </div>
                  </div>
                </li>
              );
            })}
          </ol>
        )}
      </div>
    </Section>
  );
}
