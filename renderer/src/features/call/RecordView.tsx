import type { ReactNode } from 'react';
import {
  callbackMadeAt,
  CALLER_TYPE_LABELS,
  CONTACT_ROUTE_LABELS,
  OUTCOME_CODES,
  RISK_STATUS_LABELS,
  type CallRecord,
  type CallRecordContent,
} from '../../../../shared/domain/call-record';
import { callerAgeYears } from '../../../../shared/domain/finalise';
import { formatNhsNumber, normaliseNhsNumber } from '../../../../shared/lib/nhs-number';
import { SERVICE_TYPE_LABELS } from '../../../../shared/domain/service-types';
import { Icon } from '../../components/Icon';
import { dateDMY, relativeMoment, timeHM } from '../../lib/time';
import { useApp } from '../../stores/app';
import { ageRangeLabel } from '../directory/format';
import { formatDateOfBirth } from './form-model';
import { CONSENT_LABELS, INTERVENTION_LABELS, PRESENTING_CATEGORY_LABELS, REFERRAL_METHOD_LABELS, RISK_AREA_LABELS, RISK_INDICATOR_LABELS } from './labels';

/** A finalised (or discarded) record, read-only, in the same order as the form. */

const none = <span className="muted">Not recorded</span>;
const text = (s: string): ReactNode => (s.trim() ? <span className="prewrap">{s}</span> : none);
const list = (items: string[]): ReactNode => (items.length ? items.join(', ') : none);

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="summary-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Block({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="record-section record-section--readonly" aria-label={title}>
      <div className="record-section__head">
        <h3 className="record-section__title">{title}</h3>
      </div>
      <dl className="summary">{children}</dl>
    </section>
  );
}

function CallbackMade({ record }: { record: CallRecord }) {
  const now = new Date(useApp((s) => s.now));
  const made = callbackMadeAt(record);
  if (made) return <>{`${timeHM(made)} on ${dateDMY(made)}${record.content.callback.completedAt ? '' : ' (recorded in an addendum)'}`}</>;
  const due = record.content.callback.dueAt;
  const overdue = due !== null && Date.parse(due) < now.getTime();
  return (
    <span className={`tag ${overdue ? 'tag--red' : 'tag--yellow'}`} data-testid="callback-owed">
      <Icon name={overdue ? 'warning' : 'clock'} />
      {overdue ? `Not yet made: overdue since ${relativeMoment(due!, now)}` : 'Not yet made'}. Record it with an addendum below.
    </span>
  );
}

export function RecordView({ record }: { record: CallRecord }) {
  const c: CallRecordContent = record.content;
  const age = callerAgeYears(c);
  const nhs = normaliseNhsNumber(c.caller.nhsNumber);
  return (
    <div className="record-view">
      <Block title="Caller">
        <Row label="How the call came in">{CONTACT_ROUTE_LABELS[c.contactRoute]}</Row>
        <Row label="Who called">{c.caller.type ? CALLER_TYPE_LABELS[c.caller.type] : none}</Row>
        {c.caller.anonymous && <Row label="Anonymous">Yes: the caller chose not to give identifying details</Row>}
        {!c.caller.anonymous || c.caller.name ? <Row label="Name">{text(c.caller.name)}</Row> : null}
        {c.caller.dateOfBirth && <Row label="Date of birth">{formatDateOfBirth(c.caller.dateOfBirth)}</Row>}
        <Row label="Age">{age !== null ? `${age}` : none}</Row>
        {c.caller.nhsNumber && <Row label="NHS number">{nhs ? formatNhsNumber(nhs) : c.caller.nhsNumber}</Row>}
        {c.caller.phone && <Row label="Phone">{c.caller.phone}</Row>}
        {c.caller.postcode && <Row label="Postcode">{c.caller.postcode}</Row>}
        {c.caller.aboutPerson && <Row label="About">{c.caller.aboutPerson}</Row>}
      </Block>
      <Block title="Presenting need">
        <Row label="What the call is about">{list(c.presentingNeed.categories.map((v) => PRESENTING_CATEGORY_LABELS[v]))}</Row>
        <Row label="Summary">{text(c.presentingNeed.summary)}</Row>
      </Block>
      <Block title="Risk">
        <Row label="Immediate danger to life">
          {c.risk.immediateDanger ? (
            <strong className="tag tag--red">
              <Icon name="warning" /> Yes
            </strong>
          ) : (
            'No'
          )}
        </Row>
        {(['toSelf', 'toOthers', 'fromOthers'] as const).map((a) => (
          <Row key={a} label={RISK_AREA_LABELS[a]}>
            <strong>{RISK_STATUS_LABELS[c.risk[a].status]}</strong>
            {c.risk[a].indicators.length > 0 && <>: {c.risk[a].indicators.map((i) => RISK_INDICATOR_LABELS[i]).join(', ')}</>}
            {c.risk[a].notes && <span className="prewrap block">{c.risk[a].notes}</span>}
          </Row>
        ))}
        <Row label="Safeguarding">
          <strong>{RISK_STATUS_LABELS[c.risk.safeguarding.status]}</strong>
          {[c.risk.safeguarding.childrenConcern && 'concern about a child', c.risk.safeguarding.adultConcern && 'concern about an adult', c.risk.safeguarding.referralMade && 'referral made']
            .filter(Boolean)
            .map((s) => `; ${s}`)
            .join('')}
          {c.risk.safeguarding.notes && <span className="prewrap block">{c.risk.safeguarding.notes}</span>}
        </Row>
        <Row label="Formulation">{text(c.risk.formulation)}</Row>
      </Block>
      <Block title="Interventions">
        <Row label="What was done">{list(c.interventions.items.map((v) => INTERVENTION_LABELS[v]))}</Row>
        {c.interventions.notes && <Row label="Notes">{text(c.interventions.notes)}</Row>}
      </Block>
      <Block title="Outcome">
        <Row label="Outcome">{c.outcome.code ? `${c.outcome.code} · ${OUTCOME_CODES[c.outcome.code]}` : none}</Row>
        {c.outcome.notes && <Row label="Notes">{text(c.outcome.notes)}</Row>}
      </Block>
      <Block title="Referrals">
        {c.referrals.length === 0 ? (
          <Row label="Services">{none}</Row>
        ) : (
          c.referrals.map((r) => (
            <Row key={r.id} label={r.serviceName}>
              {SERVICE_TYPE_LABELS[r.serviceType]} · {ageRangeLabel(r.serviceAgeMin, r.serviceAgeMax)} · {REFERRAL_METHOD_LABELS[r.method]} at {timeHM(r.at)}
              {r.notes && <span className="prewrap block">{r.notes}</span>}
            </Row>
          ))
        )}
      </Block>
      <Block title="Callback">
        {c.callback.required ? (
          <>
            <Row label="Due">{c.callback.dueAt ? `${timeHM(c.callback.dueAt)} on ${dateDMY(c.callback.dueAt)}` : none}</Row>
            <Row label="Number">{c.callback.phone || c.caller.phone || none}</Row>
            <Row label="Reason">{text(c.callback.reason)}</Row>
            <Row label="Made">
              <CallbackMade record={record} />
            </Row>
          </>
        ) : (
          <Row label="Callback">Not needed</Row>
        )}
      </Block>
      <Block title="Consent">
        <Row label="Information sharing">{CONSENT_LABELS[c.consent.informationSharing]}</Row>
        {c.consent.notes && <Row label="Notes">{text(c.consent.notes)}</Row>}
      </Block>
    </div>
  );
}
