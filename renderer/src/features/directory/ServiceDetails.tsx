import { useEffect, useState } from 'react';
import type { ContractError, ResultOf, SearchOrigin, ServiceResult } from '../../../../shared/contract';
import type { DirectoryService } from '../../../../shared/domain/directory';
import { REFERRAL_ROUTE_LABELS, SERVICE_TYPE_LABELS } from '../../../../shared/domain/service-types';
import { londonDateOf } from '../../../../shared/lib/calendar';
import { desk } from '../../client/desk';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { dataAge, localDateLabel } from '../../lib/time';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useDirectory } from '../../stores/directory';
import { ageOutsideRange, ageRangeLabel, bankHolidayLabel, catchmentLine, openSummary, orderedPhones, upcomingExceptions, weeklyHours, whereLabel, type OpenSummary } from './format';
import { referResult } from './refer';
import { OpenBadge, PhoneButton, ServiceNotices } from './ResultCard';
import { ServiceQuality } from './ServiceQuality';

type Details = ResultOf<'directory.get'>;

/**
 * The service's details from the core, asked afresh each time the dialog opens (judged at the
 * list's "open at" moment); until they come, what the result card already had.
 */
function useServiceDetails(open: boolean, id: string | null, openAt: string | null, fromList: ServiceResult | undefined) {
  const [details, setDetails] = useState<Details | null>(null);
  const [error, setError] = useState<ContractError | null>(null);
  useEffect(() => {
    if (!open || !id) return;
    let live = true;
    setDetails(null);
    setError(null);
    void desk()
      .call('directory.get', { id, ...(openAt ? { openAt } : {}) })
      .then((r) => {
        if (!live) return;
        if (r.ok) setDetails(r.value);
        else setError(r.error);
      });
    return () => {
      live = false;
    };
  }, [open, id, openAt]);
  const shown = details ?? (fromList ? { service: fromList.service, openState: fromList.openState, dataAgeDays: fromList.dataAgeDays, stale: fromList.stale } : null);
  return { details: shown, error };
}

/** Open or closed, how far, its type and organisation, and every warning about it. */
function ServiceSummary({ d, o, fromList, origin, now, at }: { d: Details; o: OpenSummary; fromList: ServiceResult | undefined; origin: SearchOrigin | null; now: Date; at: Date | null }) {
  const s = d.service;
  const where = fromList ? whereLabel(fromList, s, origin) : null;
  const catchment = fromList ? catchmentLine(fromList, s, origin) : null;
  return (
    <>
      <div className="details__summary">
        <OpenBadge result={d} now={now} at={at} />
        {where && (
          <span className="result__where">
            <Icon name={s.coverage.national ? 'globe' : 'pin'} />
            {where}
          </span>
        )}
        <span className="tag tag--grey">{SERVICE_TYPE_LABELS[s.type]}</span>
      </div>
      <p className="details__org">{s.organisation.name}</p>
      <ServiceNotices catchment={catchment} note={o.note} alert={s.alert} />
      <ServiceQuality service={s} now={now} />
      {(d.stale || d.dataAgeDays === null) && (
        <p className="inline-alert inline-alert--warning">
          <Icon name="warning" />
          <span>
            {dataAge(d.dataAgeDays)}
            {s.lastVerified ? ` (last checked ${localDateLabel(s.lastVerified)})` : ''}. Details may be out of date: confirm with the service before referring.
          </span>
        </p>
      )}
    </>
  );
}

/** Refer (link to the call), report a problem, and a warning when the caller's age is outside its range. */
function ServiceActions({ d, fromList }: { d: Details; fromList: ServiceResult | undefined }) {
  const s = d.service;
  const close = useApp((st) => st.closeDialog);
  const openDialog = useApp((st) => st.openDialog);
  const callerAge = useCallSession((st) => st.context.age);
  const canRefer = useCallSession((st) => st.record?.status === 'draft');
  return (
    <div className="details__actions">
      <button
        type="button"
        className={`button${canRefer ? '' : ' button--muted'}`}
        data-autofocus
        onClick={() => {
          const r = fromList ?? { ...d, distanceKm: null, coversOrigin: false, catchment: null, score: 0 };
          if (canRefer) close();
          referResult(r);
        }}
      >
        <Icon name="link" />
        Refer: link to this call
      </button>
      <button type="button" className="button button--secondary" onClick={() => openDialog('report', s.id)}>
        <Icon name="warning" />
        Report a problem <kbd className="kbd">Alt+K</kbd>
      </button>
      {ageOutsideRange(callerAge, s.ageMin, s.ageMax) && (
        <p className="inline-alert inline-alert--error">
          <Icon name="warning" />
          <span>
            Not for the caller’s age ({callerAge}): {ageRangeLabel(s.ageMin, s.ageMax).toLowerCase()}.
          </span>
        </p>
      )}
    </div>
  );
}

/** Phone numbers, email and web; who it is for; how to refer; what it does. */
function ServiceContact({ s }: { s: DirectoryService }) {
  return (
    <div>
      <h3 className="details__heading">Phone numbers</h3>
      {s.phones.length === 0 ? (
        <p className="muted">No phone number published.</p>
      ) : (
        <ul className="details__phones">
          {orderedPhones(s).map((p, i) => (
            <li key={`${p.number}-${i}`}>
              <PhoneButton phone={p} serviceName={s.name} />
            </li>
          ))}
        </ul>
      )}
      {(s.email || s.url) && (
        <p className="small">
          {s.email && <span className="block">Email: {s.email}</span>}
          {s.url && <span className="block break">Web: {s.url}</span>}
        </p>
      )}

      <h3 className="details__heading">Who it is for</h3>
      <p>
        <strong>{ageRangeLabel(s.ageMin, s.ageMax)}</strong>
        {s.eligibility ? `. ${s.eligibility}` : ''}
      </p>
      <h3 className="details__heading">How to refer</h3>
      <p>
        <strong>{s.referral.routes.map((r) => REFERRAL_ROUTE_LABELS[r]).join(', ') || 'No route published'}.</strong> {s.referral.how}
      </p>
      {s.description && (
        <>
          <h3 className="details__heading">About the service</h3>
          <p>{s.description}</p>
        </>
      )}
    </div>
  );
}

/** The week's hours in London time, bank holidays and dated changes; its sites and coverage; how old the details are. */
function ServiceHoursAndSites({ d, now }: { d: Details; now: Date }) {
  const s = d.service;
  return (
    <div>
      <h3 className="details__heading">Opening hours (London time)</h3>
      <table className="hours">
        <caption className="visually-hidden">Opening hours for each day of the week</caption>
        <tbody>
          {weeklyHours(s.schedule).map((row) => (
            <tr key={row.day}>
              <th scope="row">{row.day}</th>
              <td>{row.hours}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small">{bankHolidayLabel(s.schedule)}</p>
      {upcomingExceptions(s.schedule, londonDateOf(now)).map((e) => (
        <p className="small" key={e}>
          <Icon name="calendar" /> {e}
        </p>
      ))}
      {s.schedule.note && <p className="small">{s.schedule.note}</p>}

      <h3 className="details__heading">Where</h3>
      {s.locations.length === 0 ? (
        <p className="muted">No site: a telephone or outreach service.</p>
      ) : (
        <ul className="details__sites">
          {s.locations.map((l) => (
            <li key={l.id}>
              <Icon name="pin" />
              <span>
                {l.address ?? l.name}
                {l.postcode ? `, ${l.postcode}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="small">
        {s.coverage.national ? 'Takes callers from anywhere in England.' : s.coverage.description ?? (s.coverage.postcodes.length ? `Covers ${s.coverage.postcodes.slice(0, 12).join(', ')}${s.coverage.postcodes.length > 12 ? '…' : ''}` : '')}
      </p>
      <p className="small muted">
        {dataAge(d.dataAgeDays)}
        {s.lastVerified ? ` (${localDateLabel(s.lastVerified)})` : ''}.
      </p>
    </div>
  );
}

/** Everything about one service: description, eligibility, the week's hours, sites and phones. */
export function ServiceDetails() {
  const open = useApp((s) => s.dialog === 'service');
  const id = useApp((s) => s.serviceId);
  const close = useApp((s) => s.closeDialog);
  const now = new Date(useApp((s) => s.now));
  const fromList = useDirectory((s) => s.results.find((r) => r.service.id === id));
  const origin = useDirectory((s) => s.origin);
  // The moment the list was judged at ("open at"), so the details say the same as the card.
  const openAt = useDirectory((s) => s.answered?.openAt ?? null);
  const { details: d, error } = useServiceDetails(open, id, openAt, fromList);
  const s = d?.service;
  const at = openAt ? new Date(openAt) : null;
  const o = d && s ? openSummary(d.openState, s, now, at) : null;

  return (
    <Dialog open={open} title={s?.name ?? 'Service details'} onClose={close} size="large" initialFocus="[data-autofocus]">
      {error && (
        <p className="inline-alert inline-alert--error">
          <Icon name="warning" />
          <span>{error.message}</span>
        </p>
      )}
      {d && s && o && (
        <div className="details">
          <ServiceSummary d={d} o={o} fromList={fromList} origin={origin} now={now} at={at} />
          <ServiceActions d={d} fromList={fromList} />
          <div className="details__grid">
            <ServiceContact s={s} />
            <ServiceHoursAndSites d={d} now={now} />
          </div>
        </div>
      )}
      {!d && !error && <p className="muted">Loading…</p>}
    </Dialog>
  );
}
