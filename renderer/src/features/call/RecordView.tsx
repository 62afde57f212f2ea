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
import { recordFieldLabel, type RecordFieldPath } from '../../../../shared/domain/record-fields';
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

/** A row named by the record's field (in its section's words), or by its own label where it shows more than one field. */
function Row({ children, ...named }: ({ field: RecordFieldPath } | { label: string }) & { children: ReactNode }) {
  return (
    <div className="summary-row">
      <dt>{'field' in named ? recordFieldLabel(named.field, 'inSection') : named.label}</dt>
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
        <Row field="contactRoute">{CONTACT_ROUTE_LABELS[c.contactRoute]}</Row>
        <Row field="caller.type">{c.caller.type ? CALLER_TYPE_LABELS[c.caller.type] : none}</Row>
        {c.caller.anonymous && <Row field="caller.anonymous">Yes: the caller chose not to give identifying details</Row>}
        {!c.caller.anonymous || c.caller.name ? <Row field="caller.name">{text(c.caller.name)}</Row> : null}
        {c.caller.dateOfBirth && <Row field="caller.dateOfBirth">{formatDateOfBirth(c.caller.dateOfBirth)}</Row>}
        <Row field="caller.ageYears">{age !== null ? `${age}` : none}</Row>
        {c.caller.nhsNumber && <Row field="caller.nhsNumber">{nhs ? formatNhsNumber(nhs) : c.caller.nhsNumber}</Row>}
        {c.caller.phone && <Row field="caller.phone">{c.caller.phone}</Row>}
        {c.caller.postcode && <Row field="caller.postcode">{c.caller.postcode}</Row>}
        {c.caller.aboutPerson && <Row field="caller.aboutPerson">{c.caller.aboutPerson}</Row>}
      </Block>
      <Block title="Presenting need">
        <Row field="presentingNeed.categories">{list(c.presentingNeed.categories.map((v) => PRESENTING_CATEGORY_LABELS[v]))}</Row>
        <Row field="presentingNeed.summary">{text(c.presentingNeed.summary)}</Row>
      </Block>
      <Block title="Risk">
        <Row field="risk.immediateDanger">
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
        <Row field="risk.formulation">{text(c.risk.formulation)}</Row>
      </Block>
      <Block title="Interventions">
        <Row field="interventions.items">{list(c.interventions.items.map((v) => INTERVENTION_LABELS[v]))}</Row>
        {c.interventions.notes && <Row field="interventions.notes">{text(c.interventions.notes)}</Row>}
      </Block>
      <Block title="Outcome">
        <Row field="outcome.code">{c.outcome.code ? `${c.outcome.code} · ${OUTCOME_CODES[c.outcome.code]}` : none}</Row>
        {c.outcome.notes && <Row field="outcome.notes">{text(c.outcome.notes)}</Row>}
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
            <Row field="callback.dueAt">{c.callback.dueAt ? `${timeHM(c.callback.dueAt)} on ${dateDMY(c.callback.dueAt)}` : none}</Row>
            <Row field="callback.phone">{c.callback.phone || c.caller.phone || none}</Row>
            <Row field="callback.reason">{text(c.callback.reason)}</Row>
            <Row field="callback.completedAt">
              <CallbackMade record={record} />
            </Row>
          </>
        ) : (
          <Row label="Callback">Not needed</Row>
        )}
      </Block>
      <Block title="Consent">
        <Row field="consent.informationSharing">{CONSENT_LABELS[c.consent.informationSharing]}</Row>
        {c.consent.notes && <Row field="consent.notes">{text(c.consent.notes)}</Row>}
      </Block>
    </div>
  );
}
