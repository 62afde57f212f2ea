import { z } from 'zod';
import {
  CALLER_TYPE_LABELS,
  CALLER_TYPES,
  CONTACT_ROUTE_LABELS,
  CONTACT_ROUTES,
  OUTCOME_CODES,
  type CallRecordContent,
  type CallStatus,
  type OutcomeCode,
} from '../domain/call-record';
import { SERVICE_TYPE_LABELS, SERVICE_TYPES, type ServiceType } from '../domain/service-types';
import { dateOfDayNumber, LONDON_ZONE, londonMomentOf } from './calendar';

/*
 * The shift summary a team lead hands over (DESIGN.md §1, §7): aggregates of the calls a team
 * started in a time range. Pure, so the server and (offline) the desk compute the same figures.
 * Small counts are kept, because a handover needs exact numbers; what never appears is anything
 * typed by a person: every figure is a count, a duration, a code from a fixed list, or a service's
 * id and name as the published directory has them (never as the record has them).
 */

const Iso = z.iso.datetime({ offset: true });
const Count = z.number().int().min(0);
const OUTCOME_CODE_VALUES = Object.keys(OUTCOME_CODES) as [OutcomeCode, ...OutcomeCode[]];

export const ShiftSummary = z
  .object({
    teamId: z.string(),
    from: Iso,
    to: Iso,
    /** The server's clock when the summary was made: "overdue" is judged against it. */
    generatedAt: Iso,
    timeZone: z.literal(LONDON_ZONE),
    contacts: z.object({
      /** Calls started in the range, not counting discarded drafts. */
      total: Count,
      /** One entry per clock hour of the range, including empty hours; the UTC start and London wall-clock start. */
      byHour: z.array(z.object({ start: Iso, londonStart: z.string(), contacts: Count })),
      byContactRoute: z.array(z.object({ route: z.enum(CONTACT_ROUTES), label: z.string(), contacts: Count })),
      /** callerType null: not yet recorded. */
      byCallerType: z.array(z.object({ callerType: z.enum(CALLER_TYPES).nullable(), label: z.string(), contacts: Count })),
    }),
    handlingTime: z.object({
      /** Calls with an end time: the figures below are over these. */
      measured: Count,
      medianSeconds: Count.nullable(),
      p90Seconds: Count.nullable(),
    }),
    /** code null: no outcome recorded yet. */
    outcomes: z.array(z.object({ code: z.enum(OUTCOME_CODE_VALUES).nullable(), label: z.string(), count: Count })),
    referrals: z.object({
      total: Count,
      byServiceType: z.array(z.object({ serviceType: z.enum(SERVICE_TYPES), label: z.string(), count: Count })),
      /** Services named as the directory names them, most used first. */
      byService: z.array(z.object({ serviceId: z.string(), serviceName: z.string(), serviceType: z.enum(SERVICE_TYPES), count: Count })),
      /** Referrals to a service the directory does not (or no longer) list: counted, never named. */
      notInDirectory: Count,
    }),
    escalations: z.object({
      immediateDanger: Count,
      /** Calls with an emergency intervention (emergency services called or a welfare check requested). */
      emergencyInterventions: Count,
      emergencyServicesCalled: Count,
      welfareChecksRequested: Count,
      safeguardingReferrals: Count,
      safeguardingConcerns: z.object({ children: Count, adults: Count }),
    }),
    /** Callbacks asked for on the calls of the range. */
    callbacks: z.object({ scheduled: Count, done: Count, outstanding: Count, overdue: Count }),
    records: z.object({ draft: Count, finalised: Count, discarded: Count }),
    /** Desks of the team that last reported changes still waiting to reach the server. */
    unsyncedDesks: z.array(z.object({ clientId: z.string().uuid(), lastSeenAt: Iso.nullable(), pending: z.number().int().min(1) })),
  })
  .strict();
export type ShiftSummary = z.infer<typeof ShiftSummary>;

/**
 * What the summary reads of a record: only dates, codes, flags and directory ids. A full
 * CallRecordContent fits, and the server selects just these fields so free text never leaves the database.
 */
export interface SummaryRecord {
  status: CallStatus;
  content: {
    startedAt: string;
    endedAt: string | null;
    contactRoute: CallRecordContent['contactRoute'];
    caller: { type: CallRecordContent['caller']['type'] };
    risk: {
      immediateDanger: boolean;
      safeguarding: { referralMade: boolean; childrenConcern: boolean; adultConcern: boolean };
    };
    interventions: { items: readonly CallRecordContent['interventions']['items'][number][] };
    outcome: { code: OutcomeCode | null };
    referrals: readonly { serviceId: string; serviceType: ServiceType }[];
    callback: { required: boolean; dueAt: string | null; completedAt: string | null };
  };
}

export interface SummaryDesk {
  clientId: string;
  lastSeenAt: string | null;
  pending: number;
}

/** A service as the published directory has it. */
export interface DirectoryEntry {
  name: string;
  type: ServiceType;
}

export interface ShiftSummaryInput {
  teamId: string;
  from: Date;
  to: Date;
  now: Date;
  /** The team's records; those not started in [from, to) are left out here. */
  records: readonly SummaryRecord[];
  desks: readonly SummaryDesk[];
  directory: (serviceId: string) => DirectoryEntry | undefined;
}

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;

export function summariseShift(input: ShiftSummaryInput): ShiftSummary {
  const from = input.from.getTime();
  const to = input.to.getTime();
  const inRange = input.records.filter((r) => {
    const started = Date.parse(r.content.startedAt);
    return started >= from && started < to;
  });
  const contacts = inRange.filter((r) => r.status !== 'discarded');
  const now = input.now.getTime();

  return {
    teamId: input.teamId,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    generatedAt: input.now.toISOString(),
    timeZone: LONDON_ZONE,
    contacts: {
      total: contacts.length,
      byHour: contactsByHour(contacts, from, to),
      byContactRoute: CONTACT_ROUTES.map((route) => ({ route, label: CONTACT_ROUTE_LABELS[route], contacts: countWhere(contacts, (r) => r.content.contactRoute === route) })),
      byCallerType: [...CALLER_TYPES, null].map((callerType) => ({
        callerType,
        label: callerType ? CALLER_TYPE_LABELS[callerType] : 'Not recorded',
        contacts: countWhere(contacts, (r) => r.content.caller.type === callerType),
      })),
    },
    handlingTime: handlingTime(contacts),
    outcomes: [...OUTCOME_CODE_VALUES, null].map((code) => ({
      code,
      label: code ? OUTCOME_CODES[code] : 'Not recorded',
      count: countWhere(contacts, (r) => r.content.outcome.code === code),
    })),
    referrals: referrals(contacts, input.directory),
    escalations: {
      immediateDanger: countWhere(contacts, (r) => r.content.risk.immediateDanger),
      emergencyInterventions: countWhere(contacts, (r) => r.content.interventions.items.some((i) => i === 'emergency_services_called' || i === 'welfare_check_requested')),
      emergencyServicesCalled: countWhere(contacts, (r) => r.content.interventions.items.includes('emergency_services_called')),
      welfareChecksRequested: countWhere(contacts, (r) => r.content.interventions.items.includes('welfare_check_requested')),
      safeguardingReferrals: countWhere(contacts, (r) => r.content.risk.safeguarding.referralMade),
      safeguardingConcerns: {
        children: countWhere(contacts, (r) => r.content.risk.safeguarding.childrenConcern),
        adults: countWhere(contacts, (r) => r.content.risk.safeguarding.adultConcern),
      },
    },
    callbacks: callbacks(contacts, now),
    records: {
      draft: countWhere(inRange, (r) => r.status === 'draft'),
      finalised: countWhere(inRange, (r) => r.status === 'finalised'),
      discarded: countWhere(inRange, (r) => r.status === 'discarded'),
    },
    unsyncedDesks: input.desks
      .filter((d) => d.pending > 0)
      .map((d) => ({ clientId: d.clientId, lastSeenAt: d.lastSeenAt, pending: d.pending }))
      .sort((a, b) => (a.lastSeenAt ?? '').localeCompare(b.lastSeenAt ?? '') || a.clientId.localeCompare(b.clientId)),
  };
}

function countWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (test(item)) n++;
  return n;
}

/**
 * Contacts per clock hour. London's offset from UTC is always a whole number of hours, so its clock
 * hours are exactly the UTC hours: bucketing by UTC hour and labelling in London time gives 23 hours
 * on the day the clocks go forward and 25 (01:00 twice, +01:00 then +00:00) when they go back.
 */
function contactsByHour(contacts: readonly SummaryRecord[], from: number, to: number): ShiftSummary['contacts']['byHour'] {
  const first = Math.floor(from / MS_PER_HOUR);
  const counts = new Array<number>(Math.max(0, Math.ceil(to / MS_PER_HOUR) - first)).fill(0);
  for (const r of contacts) counts[Math.floor(Date.parse(r.content.startedAt) / MS_PER_HOUR) - first]! += 1;
  return counts.map((n, i) => {
    const start = (first + i) * MS_PER_HOUR;
    return { start: new Date(start).toISOString(), londonStart: londonWallClock(start), contacts: n };
  });
}

/** '2026-03-29T02:00+01:00': London's wall clock at a whole-minute instant, with its offset. */
export function londonWallClock(ms: number): string {
  const { day, minute } = londonMomentOf(ms);
  const offsetMinutes = Math.round((day * 1440 + minute) - ms / MS_PER_MINUTE);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${dateOfDayNumber(day)}T${pad(Math.floor(minute / 60))}:${pad(minute % 60)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function handlingTime(contacts: readonly SummaryRecord[]): ShiftSummary['handlingTime'] {
  const seconds: number[] = [];
  for (const r of contacts) {
    if (!r.content.endedAt) continue;
    const ms = Date.parse(r.content.endedAt) - Date.parse(r.content.startedAt);
    // An end before the start is a desk clock or typing error: it would only distort the figures.
    if (ms >= 0) seconds.push(ms / 1000);
  }
  seconds.sort((a, b) => a - b);
  return { measured: seconds.length, medianSeconds: percentile(seconds, 0.5), p90Seconds: percentile(seconds, 0.9) };
}

/** Linear interpolation between closest ranks (as spreadsheets' PERCENTILE.INC), in whole seconds. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo));
}

function referrals(contacts: readonly SummaryRecord[], directory: ShiftSummaryInput['directory']): ShiftSummary['referrals'] {
  const byType = new Map<ServiceType, number>();
  const byService = new Map<string, { entry: DirectoryEntry; count: number }>();
  let total = 0;
  let notInDirectory = 0;
  for (const r of contacts) {
    for (const ref of r.content.referrals) {
      total++;
      byType.set(ref.serviceType, (byType.get(ref.serviceType) ?? 0) + 1);
      const known = byService.get(ref.serviceId);
      if (known) {
        known.count++;
        continue;
      }
      const entry = directory(ref.serviceId);
      if (entry) byService.set(ref.serviceId, { entry, count: 1 });
      else notInDirectory++;
    }
  }
  return {
    total,
    byServiceType: SERVICE_TYPES.map((serviceType) => ({ serviceType, label: SERVICE_TYPE_LABELS[serviceType], count: byType.get(serviceType) ?? 0 })),
    byService: [...byService]
      .map(([serviceId, { entry, count }]) => ({ serviceId, serviceName: entry.name, serviceType: entry.type, count }))
      .sort((a, b) => b.count - a.count || a.serviceName.localeCompare(b.serviceName) || a.serviceId.localeCompare(b.serviceId)),
    notInDirectory,
  };
}

function callbacks(contacts: readonly SummaryRecord[], now: number): ShiftSummary['callbacks'] {
  const asked = contacts.filter((r) => r.content.callback.required);
  const outstanding = asked.filter((r) => !r.content.callback.completedAt);
  return {
    scheduled: asked.length,
    done: asked.length - outstanding.length,
    outstanding: outstanding.length,
    overdue: countWhere(outstanding, (r) => r.content.callback.dueAt !== null && Date.parse(r.content.callback.dueAt) < now),
  };
}
