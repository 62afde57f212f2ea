import { useEffect, useState } from 'react';
import { useFormContext, useWatch } from 'react-hook-form';
import { hasErrorCode } from '../../../../../shared/contract';
import { CALLER_TYPE_LABELS, CALLER_TYPES, CONTACT_ROUTE_LABELS, CONTACT_ROUTES } from '../../../../../shared/domain/call-record';
import { callerAgeYears } from '../../../../../shared/domain/finalise';
import { isValidNhsNumber } from '../../../../../shared/lib/nhs-number';
import { desk } from '../../../client/desk';
import { Icon } from '../../../components/Icon';
import { Checkbox, RadioGroup, Section, SelectField, TextField, useFieldId } from '../fields';
import { nhsNumberInput, parseDateOfBirth, type FormValues } from '../form-model';

/** Age on the day of the call, in London, exactly as the finalise checks compute it; null for a date of birth that cannot be right. */
function ageOn(dob: string, startedAt: string): number | null {
  const iso = parseDateOfBirth(dob);
  if (!iso) return null;
  return callerAgeYears({ startedAt, caller: { dateOfBirth: iso, ageYears: null } });
}

/**
 * The caller's postcode checked as the directory checks its own (the core's postcode lookup), once
 * typing pauses: a warning at the field, never a block, since a clinician may record what the
 * caller said and check it later.
 */
function usePostcodeWarning(postcode: string): string | null {
  const [warning, setWarning] = useState<{ for: string; text: string | null }>({ for: '', text: null });
  const typed = postcode.trim();
  useEffect(() => {
    if (!typed) return;
    let current = true;
    const t = setTimeout(() => {
      void desk()
        .call('directory.lookupPostcode', { postcode: typed.slice(0, 12) })
        .then((r) => {
          if (!current) return;
          if (r.ok) setWarning({ for: typed, text: null });
          else if (hasErrorCode(r.error, 'postcode_invalid')) setWarning({ for: typed, text: 'This is not a postcode: a full postcode looks like SE5 8AZ (a sector, SE5 8, or a district, SE5, will do). Check it with the caller; it is kept as typed.' });
          else if (hasErrorCode(r.error, 'postcode_not_found')) setWarning({ for: typed, text: `${typed.toUpperCase()} is not a known postcode in Great Britain. Check it with the caller; it is kept as typed.` });
        });
    }, 400);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [typed]);
  return typed && warning.for === typed ? warning.text : null;
}

/** The age worked out from the date of birth, where the stated age would otherwise be typed. */
function DerivedAge({ age }: { age: number }) {
  const id = useFieldId('caller.ageYears');
  return (
    <div className="field">
      <span className="field__label" id={`${id}-label`}>
        Age
      </span>
      <div className="field__hint">From the date of birth</div>
      <output className="derived-value" id={id} aria-labelledby={`${id}-label`} data-testid="derived-age">
        {age} on the day of the call
      </output>
    </div>
  );
}

export function CallerSection() {
  const { control } = useFormContext<FormValues>();
  const [anonymous, type, name, dob, nhs, phone, postcode, startedAt] = useWatch({
    control,
    name: ['caller.anonymous', 'caller.type', 'caller.name', 'caller.dateOfBirth', 'caller.nhsNumber', 'caller.phone', 'caller.postcode', 'startedAt'],
  });
  const identityGiven = !!(name.trim() || dob.trim() || nhs.trim() || phone.trim());
  const showIdentity = !anonymous || identityGiven;
  const age = dob.trim() ? ageOn(dob, startedAt) : null;
  const nhsOk = nhs.trim() !== '' && isValidNhsNumber(nhs);
  const postcodeWarning = usePostcodeWarning(postcode);

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
            <TextField name="caller.dateOfBirth" label="Date of birth" hint="For example, 27/03/1985" width="s" inputMode="numeric" />
          </>
        )}
        {age !== null && showIdentity ? <DerivedAge age={age} /> : <TextField name="caller.ageYears" label="Age" hint="Stated or estimated" width="xs" inputMode="numeric" />}
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
              filter={nhsNumberInput}
              filteredHint="Only digits can be typed here: an NHS number is 10 digits (spaces are fine)."
            />
            <TextField name="caller.phone" label="Phone number" width="m" type="tel" inputMode="tel" />
          </>
        )}
        <TextField name="caller.postcode" label="Postcode" hint="Full or partial: SE5 8AZ, SE5 8, SE5" width="s" warning={postcodeWarning} />
      </div>
      {!!type && type !== 'self' && (
        <TextField name="caller.aboutPerson" label="Who is the call about?" hint="Name or description, and their relationship to the caller" />
      )}
    </Section>
  );
}
