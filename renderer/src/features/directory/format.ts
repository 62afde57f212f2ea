import type { OpenState, SearchOrigin, ServiceResult } from '../../../../shared/contract';
import type { DirectoryService, Phone } from '../../../../shared/domain/directory';
import type { Schedule, Session } from '../../../../shared/domain/schedule';
import { REFERRAL_ROUTE_LABELS } from '../../../../shared/domain/service-types';
import { localDateLabel, relativeMoment, timeHM } from '../../lib/time';

export type OpenTone = 'open' | 'closed' | 'temporarily_closed';

export interface OpenSummary {
  tone: OpenTone;
  /** "Open now" / "Closed" / "Temporarily closed" */
  label: string;
  /** "until 23:00", "24 hours", "opens Thu 09:00" */
  detail: string;
  /** "Bank holiday (Christmas Day): special hours" and the like; null when today is ordinary. */
  note: string | null;
}

/**
 * Open or closed, and until or from when. `at` is the moment asked about when it is not now ("open
 * at"): the badge then names it ("Open at 02:00"), so a result judged for tonight is never read as
 * open now. Times are said relative to now either way.
 */
export function openSummary(state: OpenState, service: Pick<DirectoryService, 'status'>, now: Date, at: Date | null = null): OpenSummary {
  const note =
    state.todayIs === 'bank_holiday'
      ? `Bank holiday${state.bankHolidayName ? ` (${state.bankHolidayName})` : ''}: bank-holiday hours apply ${at ? 'that day' : 'today'}`
      : state.todayIs === 'exception'
        ? `Different hours ${at ? 'that day' : 'today'} (a dated change from the publisher)`
        : null;
  if (service.status === 'temporarily_closed') {
    return { tone: 'temporarily_closed', label: 'Temporarily closed', detail: state.nextOpen ? `may reopen ${relativeMoment(state.nextOpen, now)}` : 'check before referring', note };
  }
  if (state.open) {
    return { tone: 'open', label: at ? `Open at ${timeHM(at)}` : 'Open now', detail: state.until ? `until ${relativeMoment(state.until, now)}` : '24 hours', note };
  }
  return { tone: 'closed', label: at ? `Closed at ${timeHM(at)}` : 'Closed', detail: state.nextOpen ? `opens ${relativeMoment(state.nextOpen, now)}` : 'no opening hours published', note };
}

/** "Ages 18+", "Ages 11–17", "Up to 25", "All ages". */
export function ageRangeLabel(min: number | null, max: number | null): string {
  if (min === null && max === null) return 'All ages';
  if (min !== null && max !== null) return `Ages ${min}–${max}`;
  if (min !== null) return `Ages ${min}+`;
  return `Ages up to ${max}`;
}

export function ageOutsideRange(age: number | null, min: number | null, max: number | null): boolean {
  if (age === null) return false;
  return (min !== null && age < min) || (max !== null && age > max);
}

/** "1.3 km", "Covers this area", "National", or null when there is no origin. */
export function whereLabel(r: Pick<ServiceResult, 'distanceKm' | 'coversOrigin'>, service: DirectoryService, origin: SearchOrigin | null): string | null {
  if (r.distanceKm !== null && origin) return distanceLabel(r.distanceKm);
  if (service.coverage.national) return 'National';
  if (r.coversOrigin && origin) return 'Covers this area';
  return null;
}

const distanceLabel = (km: number) => (km < 10 ? `${km.toFixed(1)} km` : `${Math.round(km)} km`);

export interface CatchmentLine {
  /** serves: the caller's place is in its catchment (or a site is near); check: a site near, but its catchment leaves the caller out. */
  tone: 'serves' | 'check' | 'national';
  text: string;
}

/** Why a result is listed for the caller's place, in words, on every card (README "Ranking"). */
export function catchmentLine(r: Pick<ServiceResult, 'catchment' | 'distanceKm'>, service: DirectoryService, origin: SearchOrigin | null): CatchmentLine | null {
  const c = r.catchment;
  if (!c) return null;
  const district = origin?.district ?? null;
  const site = r.distanceKm !== null ? `, site ${distanceLabel(r.distanceKm)} away` : '';
  switch (c.kind) {
    case 'covers':
      return { tone: 'serves', text: `Serves the caller: its area covers ${/\d/.test(c.code) ? c.code : `all of ${c.code}`}${site}` };
    case 'site_nearby':
      return { tone: 'serves', text: `Site nearby, ${r.distanceKm === null ? 'within the distance asked' : `${distanceLabel(r.distanceKm)} away`}: no catchment area published` };
    case 'outside_catchment':
      return { tone: 'check', text: `Site ${r.distanceKm === null ? 'nearby' : `${distanceLabel(r.distanceKm)} away`}, but its area does not include ${district ?? 'the caller’s postcode'}: check it takes the caller` };
    case 'national':
      return { tone: 'national', text: `National service: ${service.coverage.description ? service.coverage.description.replace(/^./, (x) => x.toLowerCase()) : 'takes callers from anywhere'}` };
  }
}

export function routesLabel(service: DirectoryService): string {
  return service.referral.routes.map((r) => REFERRAL_ROUTE_LABELS[r]).join(' · ') || 'No referral route published';
}

/** The number to give a caller: the first public one, else out-of-hours, else any that is not for professionals. */
export function firstPublicPhone(service: DirectoryService): Phone | null {
  // A number the trust marked not working is never the one offered (hazard log: a dead number left in use).
  const working = service.phones.filter((p) => !p.notWorking);
  return working.find((p) => p.type === 'public') ?? working.find((p) => p.type === 'out_of_hours') ?? working.find((p) => p.type === 'text') ?? null;
}

/** Professionals-only numbers last, so the caller-facing number is always first; numbers marked not working after all. */
export function orderedPhones(service: DirectoryService): Phone[] {
  const rank = { public: 0, out_of_hours: 1, text: 2, professionals: 3 } as const;
  return [...service.phones].sort((a, b) => Number(!!a.notWorking) - Number(!!b.notWorking) || rank[a.type] - rank[b.type]);
}

export function originLabel(origin: SearchOrigin): string {
  const precision = origin.precision === 'sector' ? 'postcode sector' : origin.precision === 'district' ? 'postcode district' : 'position';
  const spread = origin.radiusKm !== null ? `, most addresses within ${origin.radiusKm < 10 ? origin.radiusKm.toFixed(1) : Math.round(origin.radiusKm)} km` : '';
  return `${origin.label} (${precision}${spread})`;
}

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function sessionLabel(s: Session): string {
  if (s.opens === '00:00' && s.closes === '24:00') return '24 hours';
  const overnight = s.closes !== '24:00' && s.closes <= s.opens;
  return `${s.opens}–${s.closes}${overnight ? ' (next day)' : ''}`;
}

export interface WeekRow {
  day: string;
  hours: string;
}

/** The weekly hours as a table a clinician reads at a glance (London time). */
export function weeklyHours(schedule: Schedule): WeekRow[] {
  return DAY_NAMES.map((day, i) => {
    if (schedule.alwaysOpen) return { day, hours: '24 hours' };
    const sessions = schedule.weekly
      .filter((w) => w.days.includes(i + 1))
      .map((w) => ({ opens: w.opens, closes: w.closes }))
      .sort((a, b) => a.opens.localeCompare(b.opens));
    return { day, hours: sessions.length ? sessions.map(sessionLabel).join(', ') : 'Closed' };
  });
}

export function bankHolidayLabel(schedule: Schedule): string {
  if (schedule.bankHolidays === 'as_usual') return 'Usual hours on bank holidays';
  if (schedule.bankHolidays === 'closed') return 'Closed on bank holidays (and on 25, 26 December and 1 January)';
  return `Bank holidays: ${schedule.bankHolidays.map(sessionLabel).join(', ')}`;
}

/** Dated exceptions that have not ended yet, for the details view. */
export function upcomingExceptions(schedule: Schedule, today: string): string[] {
  return schedule.exceptions
    .filter((e) => e.to >= today)
    .sort((a, b) => a.from.localeCompare(b.from))
    .map((e) => {
      const when = e.from === e.to ? localDateLabel(e.from) : `${localDateLabel(e.from)} to ${localDateLabel(e.to)}`;
      const hours = e.sessions.length ? e.sessions.map(sessionLabel).join(', ') : 'closed';
      return `${when}: ${hours}${e.note ? ` — ${e.note}` : ''}`;
    });
}
