import { useEffect, useMemo } from 'react';
import { FormProvider, useFieldArray, useForm } from 'react-hook-form';
import type { CallRecord } from '../../../../shared/domain/call-record';
import { finaliseIssues } from '../../../../shared/domain/finalise';
import { useCallSession } from '../../stores/call-session';
import { useApp } from '../../stores/app';
import { HeldBackContext, IssuesContext } from './fields';
import { FinaliseIssues } from './FinaliseIssues';
import { fieldResolver, fromContent, toContent, type FormValues } from './form-model';
import { CallerSection } from './sections/CallerSection';
import { CallbackSection, ConsentSection, InterventionsSection, NeedSection, OutcomeSection } from './sections/OtherSections';
import { ReferralsSection } from './sections/ReferralsSection';
import { RiskSection } from './sections/RiskSection';

/*
 * The draft call record. react-hook-form holds what is typed, checked field by field with the
 * shared rules; every change goes to the session's autosave as a draft the core accepts, whatever
 * any one field holds.
 */
export function CallRecordForm({ record }: { record: CallRecord }) {
  const form = useForm<FormValues>({
    defaultValues: fromContent(record.content),
    resolver: fieldResolver,
    mode: 'onChange',
  });
  const { fields, append, remove } = useFieldArray({ control: form.control, name: 'referrals' });
  const contentChanged = useCallSession((s) => s.contentChanged);
  const savePending = useCallSession((s) => s.savePending);
  const setFormApi = useCallSession((s) => s.setFormApi);
  const showIssues = useCallSession((s) => s.showIssues);
  const coreIssues = useCallSession((s) => s.coreIssues);
  const live = useCallSession((s) => s.live);
  const heldBack = useCallSession((s) => s.heldBack);
  const now = useApp((s) => s.now);

  useEffect(() => {
    const sub = form.watch(() => contentChanged(toContent(form.getValues())));
    return () => sub.unsubscribe();
  }, [form, contentChanged]);

  useEffect(() => {
    setFormApi({
      addReferral(result) {
        if (form.getValues('referrals').some((r) => r.serviceId === result.service.id)) return 'already';
        const s = result.service;
        append({
          id: crypto.randomUUID(),
          serviceId: s.id,
          serviceName: s.name,
          serviceType: s.type,
          serviceAgeMin: s.ageMin,
          serviceAgeMax: s.ageMax,
          method: s.referral.routes.includes('crisis_line') || s.referral.routes.includes('professional') ? 'referred' : 'signposted',
          at: new Date().toISOString(),
          notes: '',
        });
        return 'added';
      },
    });
    return () => setFormApi(null);
  }, [form, append, setFormApi]);

  const issues = useMemo(() => (live ? finaliseIssues(live, new Date(Math.max(now, Date.now()))) : []), [live, now]);
  const held = useMemo(() => new Set(heldBack), [heldBack]);
  const shown = coreIssues ?? issues;
  const byField = useMemo(() => {
    const m = new Map<string, string[]>();
    if (showIssues) for (const i of shown) m.set(i.field, [...(m.get(i.field) ?? []), i.message]);
    return m;
  }, [showIssues, shown]);

  return (
    <FormProvider {...form}>
      <IssuesContext.Provider value={byField}>
        <HeldBackContext.Provider value={held}>
        <form className="record-form" noValidate aria-label="Call record" onSubmit={(e) => e.preventDefault()} onBlur={() => void savePending()}>
          {showIssues && <FinaliseIssues issues={shown} fromCore={coreIssues !== null} />}
          <CallerSection />
          <NeedSection />
          <RiskSection />
          <InterventionsSection />
          <OutcomeSection />
          <ReferralsSection fields={fields} remove={remove} />
          <CallbackSection />
          <ConsentSection />
        </form>
        </HeldBackContext.Provider>
      </IssuesContext.Provider>
    </FormProvider>
  );
}
