import { useMemo, useState, type ReactNode } from 'react';
import { FormProvider, get, useFieldArray, useForm, useWatch, type FieldPath } from 'react-hook-form';
import type { ConflictView } from '../../../../shared/contract';
import type { CallRecordContent } from '../../../../shared/domain/call-record';
import { callerAgeYears } from '../../../../shared/domain/finalise';
import { Icon } from '../../components/Icon';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useSync } from '../../stores/sync';
import { IdPrefixContext } from '../call/fields';
import { fieldResolver, fromContent, toContent, type FormValues } from '../call/form-model';
import { CallerSection } from '../call/sections/CallerSection';
import { CallbackSection, ConsentSection, InterventionsSection, NeedSection, OutcomeSection } from '../call/sections/OtherSections';
import { ReferralsSection } from '../call/sections/ReferralsSection';
import { RiskSection } from '../call/sections/RiskSection';
import { sectionsToMerge, SECTION_TITLES, type Difference, type SectionId } from './conflict-diff';

/*
 * Merging by hand: the sections that differ, in the record's own form components, starting from
 * this desk's version; beside each, the server's version of the fields that differ, each with a
 * button to take it. Saving sends the merged text as the record's next version.
 */

function Referrals({ age }: { age: number | null }) {
  const { fields, remove } = useFieldArray<FormValues, 'referrals'>({ name: 'referrals' });
  return <ReferralsSection fields={fields} remove={remove} callerAge={age} />;
}

function SectionEditor({ id }: { id: SectionId }) {
  const values = useWatch<FormValues>() as FormValues;
  const age = useMemo(() => callerAgeYears(toContent(values)), [values]);
  switch (id) {
    case 'sec-caller':
      return <CallerSection />;
    case 'sec-need':
      return <NeedSection />;
    case 'sec-risk':
      return <RiskSection />;
    case 'sec-interventions':
      return <InterventionsSection />;
    case 'sec-outcome':
      return <OutcomeSection />;
    case 'sec-referrals':
      return <Referrals age={age} />;
    case 'sec-callback':
      return <CallbackSection />;
    case 'sec-consent':
      return <ConsentSection />;
    case 'call':
      return null;
  }
}

export function MergeEditor({
  conflict,
  mine,
  theirs,
  diffs,
  label,
  onCancel,
  onResolved,
}: {
  conflict: ConflictView;
  mine: CallRecordContent;
  theirs: CallRecordContent;
  diffs: Difference[];
  label: string;
  onCancel: () => void;
  onResolved: () => void;
}) {
  const form = useForm<FormValues>({ defaultValues: fromContent(mine), resolver: fieldResolver, mode: 'onChange' });
  const resolve = useSync((s) => s.resolve);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [taken, setTaken] = useState<ReadonlySet<string>>(new Set());
  const theirValues = useMemo(() => fromContent(theirs), [theirs]);
  const sections = sectionsToMerge(diffs);
  const prefix = `merge-${conflict.id.slice(-12)}-`;

  const take = (path: string) => {
    form.setValue(path as FieldPath<FormValues>, structuredClone(get(theirValues, path)) as never, { shouldDirty: true, shouldValidate: true });
    setTaken((t) => new Set(t).add(path));
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    const e = await resolve(conflict.id, 'merged', toContent(form.getValues()));
    setBusy(false);
    if (e) setError(e.message);
    else onResolved();
  };

  const theirsFor = (section: SectionId): ReactNode => (
    <aside className="merge__theirs" aria-label={`${SECTION_TITLES[section]}: the server’s version`}>
      <h4 className="merge__theirs-title">
        <Icon name="cloud" />
        On the server
      </h4>
      <dl className="merge__fields">
        {diffs
          .filter((d) => d.section === section)
          .map((d) => (
            <div key={d.path} className="merge__field">
              <dt>{d.label}</dt>
              <dd className="prewrap">{d.theirs}</dd>
              <dd>
                <button type="button" className="button button--small button--secondary" onClick={() => take(d.path)}>
                  {taken.has(d.path) ? <Icon name="check" /> : <Icon name="chevronRight" />}
                  {taken.has(d.path) ? 'Taken' : 'Use this'}
                  <span className="visually-hidden">: the server’s {d.label.toLowerCase()}</span>
                </button>
              </dd>
            </div>
          ))}
      </dl>
    </aside>
  );

  return (
    <FormProvider {...form}>
      <IdPrefixContext.Provider value={prefix}>
        <form
          className="merge"
          noValidate
          aria-label={`Merged version of the record of ${label}`}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <p className="merge__intro">
            This starts as <strong>this desk’s version</strong>. Edit it below; the server’s version of each field that differs is beside it, with <strong>Use this</strong> to take it.
            Sections that are the same on both are kept as they are.
          </p>
          {sections.map((id) => (
            <div className="merge__row" key={id}>
              <div className="merge__edit">
                <SectionEditor id={id} />
              </div>
              {theirsFor(id)}
            </div>
          ))}
          <ErrorAlert message={error} />
          <div className="button-row merge__actions">
            <button type="submit" className="button" disabled={busy}>
              <Icon name="check" />
              Save the merged version
            </button>
            <button type="button" className="button button--secondary" onClick={onCancel} disabled={busy}>
              Back to the comparison
            </button>
          </div>
        </form>
      </IdPrefixContext.Provider>
    </FormProvider>
  );
}
