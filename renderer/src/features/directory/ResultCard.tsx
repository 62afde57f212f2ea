import { memo } from 'react';
import type { SearchOrigin, ServiceResult } from '../../../../shared/contract';
import type { Phone } from '../../../../shared/domain/directory';
import { PHONE_TYPE_LABELS, SERVICE_TYPE_LABELS } from '../../../../shared/domain/service-types';
import { Icon } from '../../components/Icon';
import { copyText } from '../../lib/clipboard';
import { dataAge } from '../../lib/time';
import { announce } from '../../stores/app';
import { ageOutsideRange, ageRangeLabel, catchmentLine, openSummary, orderedPhones, routesLabel, whereLabel } from './format';
import { ServiceQuality } from './ServiceQuality';

export async function copyPhone(phone: Phone, serviceName: string): Promise<void> {
  const ok = await copyText(phone.number);
  announce(ok ? `Copied ${phone.number} (${serviceName}${phone.type === 'professionals' ? ', professionals only' : ''}).` : `Could not copy. The number is ${phone.number}.`, ok ? 'success' : 'warning');
}

export function PhoneButton({ phone, serviceName, compact }: { phone: Phone; serviceName: string; compact?: boolean }) {
  const kind = phone.type;
  if (phone.notWorking) {
    // Marked not working by the trust's directory lead: shown, so the clinician knows why, but not offered to copy.
    return (
      <span className={`phone phone--dead${compact ? ' phone--compact' : ''}`} data-testid="phone-not-working">
        <Icon name="stop" />
        <span className="phone__number">{phone.number}</span>
        <span className="phone__tag phone__tag--dead">Not working: do not give</span>
      </span>
    );
  }
  return (
    <button type="button" className={`phone phone--${kind}${compact ? ' phone--compact' : ''}`} onClick={() => void copyPhone(phone, serviceName)}>
      <span className="visually-hidden">Copy </span>
      <Icon name={kind === 'text' ? 'text' : 'phone'} />
      <span className="phone__number">{phone.number}</span>
      {kind !== 'public' && <span className={`phone__tag phone__tag--${kind}`}>{PHONE_TYPE_LABELS[kind]}</span>}
      {phone.label && <span className={compact ? 'visually-hidden' : 'phone__label'}>{compact ? `, ${phone.label}` : phone.label}</span>}
      <Icon name="copy" className="phone__copy" />
    </button>
  );
}

/** What a card and the details both say under a service's name: whether it serves the caller's place, a note on its opening, and its alert. */
export function ServiceNotices({ catchment, note, alert, catchmentTestId }: { catchment: ReturnType<typeof catchmentLine>; note: string | null | undefined; alert: string | null | undefined; catchmentTestId?: string }) {
  return (
    <>
      {catchment && (
        <p className={`result__catchment result__catchment--${catchment.tone}`} data-testid={catchmentTestId}>
          <Icon name={catchment.tone === 'serves' ? 'check' : catchment.tone === 'check' ? 'warning' : 'globe'} />
          <span>{catchment.text}</span>
        </p>
      )}
      {note && (
        <p className="result__note">
          <Icon name="calendar" />
          {note}
        </p>
      )}
      {alert && (
        <p className="inline-alert inline-alert--warning">
          <Icon name="warning" />
          <span>{alert}</span>
        </p>
      )}
    </>
  );
}

export function OpenBadge({ result, now, at = null }: { result: Pick<ServiceResult, 'openState' | 'service'>; now: Date; at?: Date | null }) {
  const o = openSummary(result.openState, result.service, now, at);
  return (
    <span className={`open-badge open-badge--${o.tone}`}>
      <Icon name={o.tone === 'open' ? 'open' : o.tone === 'closed' ? 'closed' : 'stop'} />
      <strong>{o.label}</strong>
      <span>{o.detail}</span>
    </span>
  );
}

interface Props {
  result: ServiceResult;
  index: number;
  active: boolean;
  origin: SearchOrigin | null;
  now: number;
  /** The moment asked about with "open at" (judged then, not now); null for now. */
  at: number | null;
  callerAge: number | null;
  canRefer: boolean;
  onFocus(index: number): void;
  onOpen(index: number): void;
  onRefer(index: number): void;
  onReport(index: number): void;
}

export const ResultCard = memo(function ResultCard({ result, index, active, origin, now, at, callerAge, canRefer, onFocus, onOpen, onRefer, onReport }: Props) {
  const s = result.service;
  const when = new Date(now);
  const asked = at === null ? null : new Date(at);
  const o = openSummary(result.openState, s, when, asked);
  const where = whereLabel(result, s, origin);
  const catchment = catchmentLine(result, s, origin);
  const phones = orderedPhones(s);
  const ageMismatch = ageOutsideRange(callerAge, s.ageMin, s.ageMax);
  const titleId = `result-${s.id}`;
  const stale = result.stale || result.dataAgeDays === null;
  return (
    <article className={`result${active ? ' result--active' : ''} result--${o.tone}`} aria-labelledby={titleId} onFocus={() => onFocus(index)}>
      <div className="result__top">
        <OpenBadge result={result} now={when} at={asked} />
        {active && <span className="tag tag--blue result__selected">Selected</span>}
        <span className="spacer" />
        {!stale && (
          <span className="data-age">
            <Icon name="clock" />
            {dataAge(result.dataAgeDays)}
          </span>
        )}
        {where && (
          <span className="result__where">
            <Icon name={s.coverage.national ? 'globe' : 'pin'} />
            {where}
          </span>
        )}
      </div>
      <h3 className="result__title">
        <button type="button" className="result__name" id={titleId} data-result-index={index} onClick={() => onOpen(index)}>
          {s.name}
        </button>
      </h3>
      <p className="result__org">
        <strong>{SERVICE_TYPE_LABELS[s.type]}</strong> · {s.organisation.name}
      </p>
      <ServiceNotices catchment={catchment} note={o.note} alert={s.alert} catchmentTestId="catchment" />
      <ServiceQuality service={s} now={when} compact />
      <dl className="result__facts">
        <div className={ageMismatch ? 'fact fact--warning' : 'fact'}>
          <dt>
            <Icon name="people" />
            <span className="visually-hidden">Ages</span>
          </dt>
          <dd>
            {ageRangeLabel(s.ageMin, s.ageMax)}
            {ageMismatch && <strong> — not for age {callerAge}</strong>}
          </dd>
        </div>
        <div className="fact">
          <dt>
            <Icon name="route" />
            <span className="visually-hidden">Referral</span>
          </dt>
          <dd>{routesLabel(s)}</dd>
        </div>
      </dl>
      {stale && (
        <p className="data-age data-age--stale">
          <Icon name="warning" />
          {dataAge(result.dataAgeDays)}: check the details with the service before referring
        </p>
      )}
      {phones.length > 0 && phones.every((p) => p.notWorking) && (
        <p className="inline-alert inline-alert--error">
          <Icon name="warning" />
          <span>No working number: every published number is marked not working. Check the details before referring.</span>
        </p>
      )}
      {phones.length === 0 && (
        <p className="inline-alert inline-alert--warning">
          <Icon name="warning" />
          <span>No phone number published: check the service’s details before referring.</span>
        </p>
      )}
      <div className="result__bottom">
        {phones.map((p, i) => (
          <PhoneButton key={`${p.number}-${i}`} phone={p} serviceName={s.name} compact />
        ))}
        <span className="spacer" />
        <span className="result__actions">
          <button type="button" className="button button--small button--secondary" onClick={() => onReport(index)} aria-label={`Report a problem with ${s.name} (Alt+K)`}>
            Report
          </button>
          <button type="button" className="button button--small button--secondary" onClick={() => onOpen(index)} aria-label={`Details of ${s.name}`}>
            Details
          </button>
          <button
            type="button"
            className={`button button--small${canRefer ? '' : ' button--muted'}`}
            onClick={() => onRefer(index)}
            aria-label={`Refer: link ${s.name} to the call${canRefer ? '' : ' (start or open a draft call first)'}`}
          >
            <Icon name="link" />
            Refer
          </button>
        </span>
      </div>
    </article>
  );
});
