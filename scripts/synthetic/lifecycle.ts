import { STALE_AFTER_DAYS } from '../../shared/domain/directory';
import type { Schedule, ScheduleException } from '../../shared/domain/schedule';
import type { ServiceStatus } from '../../shared/domain/service-types';
import { addDays, longDate } from './dates';
import type { Random } from './random';
import { christmasExceptions, temporaryClosure } from './schedules';

/** The share of services in each state, and of data quality problems. */
export const LIFECYCLE_ODDS = {
  defunct: 0.01,
  temporarilyClosed: 0.03,
  /** Active services with an alert (changed number, high demand). */
  activeAlert: 0.04,
  neverVerified: 0.02,
  /** Verified, but more than STALE_AFTER_DAYS before asOf. */
  stale: 0.1,
  christmasHours: 0.15,
  plannedClosure: 0.05,
} as const;

/** When the publisher last confirmed the details: mostly within months, some over a year ago, a few never. */
export function lastVerified(asOf: string, rng: Random): string | null {
  const r = rng.float();
  if (r < LIFECYCLE_ODDS.neverVerified) return null;
  if (r < LIFECYCLE_ODDS.neverVerified + LIFECYCLE_ODDS.stale) return addDays(asOf, -rng.int(STALE_AFTER_DAYS + 1, 3 * 365));
  // Skewed towards recent checks; never within a month of going stale.
  return addDays(asOf, -Math.floor((STALE_AFTER_DAYS - 35) * rng.float() ** 1.5));
}

export interface ServiceState {
  status: ServiceStatus;
  alert?: string;
  /** Dated exceptions to add to the schedule. */
  exceptions: ScheduleException[];
}

function temporarilyClosed(asOf: string, rng: Random): ServiceState {
  const since = addDays(asOf, -rng.int(1, 60));
  const reopens = addDays(asOf, rng.int(7, 120));
  const until = longDate(reopens);
  const alert = rng.pick([
    `Temporarily closed until ${until} because of staff shortages. Please use the local crisis line meanwhile.`,
    `Closed for refurbishment until ${until}.`,
    `Temporarily closed while the service moves to new premises; expected to reopen on ${until}.`,
    `Not taking new referrals until ${until}; existing clients are being contacted.`,
  ]);
  return { status: 'temporarily_closed', alert, exceptions: [{ from: since, to: addDays(reopens, -1), sessions: [], note: 'Temporarily closed.' }] };
}

const ACTIVE_ALERTS = [
  'New phone number: the old number no longer works.',
  'High demand: call-backs may take up to two hours.',
  'Reduced capacity this month; please phone before sending anyone.',
  'Phone lines are very busy in the evenings; callers may be asked to leave a number.',
];

/** Active, temporarily closed (with a closure in the schedule) or defunct, with alerts and dated exceptions. */
export function serviceState(schedule: Schedule, asOf: string, rng: Random): ServiceState {
  const r = rng.float();
  if (r < LIFECYCLE_ODDS.defunct) {
    return { status: 'defunct', alert: `This service closed permanently on ${longDate(addDays(asOf, -rng.int(10, 300)))}. Do not refer.`, exceptions: [] };
  }
  if (r < LIFECYCLE_ODDS.defunct + LIFECYCLE_ODDS.temporarilyClosed) return temporarilyClosed(asOf, rng);

  const exceptions: ScheduleException[] = [];
  if (rng.chance(schedule.alwaysOpen ? LIFECYCLE_ODDS.christmasHours / 5 : LIFECYCLE_ODDS.christmasHours)) exceptions.push(...christmasExceptions(schedule, asOf, rng));
  if (!schedule.alwaysOpen && rng.chance(LIFECYCLE_ODDS.plannedClosure)) exceptions.push(temporaryClosure(asOf, rng));
  const alert = rng.chance(LIFECYCLE_ODDS.activeAlert) ? rng.pick(ACTIVE_ALERTS) : undefined;
  return { status: 'active', ...(alert ? { alert } : {}), exceptions };
}
