import { useFormContext, useWatch } from 'react-hook-form';
import { CALLER_TYPE_LABELS, CALLER_TYPES, CONTACT_ROUTE_LABELS, CONTACT_ROUTES, type CallRecordContent } from '../../../../../shared/domain/call-record';
import { callerAgeYears } from '../../../../../shared/domain/finalise';
import { isValidNhsNumber } from '../../../../../shared/lib/nhs-number';
import { Icon } from '../../../components/Icon';
import { Checkbox, RadioGroup, Section, SelectField, TextField } from '../fields';
import { parseDateOfBirth, type FormValues } from '../form-model';

/** Age on the day of the call, in London, exactly as the finalise checks compute it. */
function ageOn(dob: string, startedAt: string): number | null {
  const iso = parseDateOfBirth(dob);
  if (!iso) return null;
  return callerAgeYears({ startedAt, caller: { dateOfBirth: iso, ageYears: null } } as CallRecordContent);
}

export function CallerSection() {
  const { control } = useFormContext<FormValues>();
  const [anonymous, type, name, dob, nhs, phone, startedAt] = useWatch({
    control,
    name: ['caller.anonymous', 'caller.type', 'caller.name', 'caller.dateOfBirth', 'caller.nhsNumber', 'caller.phone', 'startedAt'],
  });
  const identityGiven = !!(name.trim() || dob.trim() || nhs.trim() || phone.trim());
  const showIdentity = !anonymous || identityGiven;
  const age = dob.trim() ? ageOn(dob, startedAt) : null;
  const nhsOk = nhs.trim() !== '' && isValidNhsNumber(nhs);

  return (
    <Section id="sec-caller" title="Caller">
      <div className="grid grid--2">
        <SelectField name="contactRoute" label="How the call came in" options={CONTACT_ROUTES.map((v) => ({ value: v, label: CONTACT_ROUTE_LABELS[v] }))} />
      </div>
      <RadioGroup name="caller.type" legend="Who is calling?" options={CALLER_TYPES.map((v) => ({ value: v, label: CALLER_TYPE_LABELS[v] }))} inline />
      <Checkbox name="caller.anonymous" label="The caller wants to stay anonymous" hint="The record is still kept. Name, date of birth, NHS number and phone are not asked for." />
      {anonymous && identityGiven && (
        <p className="inline-alert inline-alert--warning">
          <Icon name="warning" />
          <span>The caller is anonymous but identifying details are filled in below. Clear them unless the caller gave them.</span>
        </p>
      )}
      <div className="grid grid--identity">
        {showIdentity && (
          <>
            <TextField name="caller.name" label="Name" width="full" autoComplete="off" />
            <TextField
              name="caller.dateOfBirth"
              label="Date of birth"
              hint={age !== null ? <strong className="hint-strong">Age {age} on the day of the call</strong> : 'For example, 27/03/1985'}
              width="s"
              inputMode="numeric"
            />
          </>
        )}
        {!dob.trim() && <TextField name="caller.ageYears" label="Age" hint="Stated or estimated" width="xs" inputMode="numeric" />}
        {showIdentity && (
          <>
            <TextField
              name="caller.nhsNumber"
              label="NHS number"
              hint={
                nhsOk ? (
                  <span className="hint-ok">
                    <Icon name="check" /> Valid NHS number
                  </span>
                ) : (
                  '10 digits, checked as you type'
                )
              }
              width="m"
              inputMode="numeric"
            />
            <TextField name="caller.phone" label="Phone number" width="m" type="tel" inputMode="tel" />
          </>
        )}
        <TextField name="caller.postcode" label="Postcode" hint="Full or partial: SE5 8AZ, SE5 8, SE5" width="s" />
      </div>
      {type !== '' && type !== 'self' && (
        <TextField name="caller.aboutPerson" label="Who is the call about?" hint="Name or description, and their relationship to the caller" />
      )}
    </Section>
  );
}
