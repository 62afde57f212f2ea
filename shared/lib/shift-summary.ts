import { z } from 'zod';
import {
  CALLER_TYPE_LABELS,
  CALLER_TYPES,
  CONTACT_ROUTE_LABELS,
  CONTACT_ROUTES,
  OUTCOME_CODES,
  type CallerType,
  type CallRecord,
  type CallStatus,
  type ContactRoute,
  type Intervention,
  type OutcomeCode,
} from '../domain/call-record';
import { callerAgeYears } from '../domain/finalise';
import { SERVICE_TYPE_LABELS, SERVICE_TYPES, type ServiceType } from '../domain/service-types';
import { callReference } from './call-reference';
import { dateOfDayNumber, LONDON_ZONE, londonMomentOf } from './calendar';

/*
 * The shift summary a team lead hands over (DESIGN.md §1, §7): what the team's calls started in a
 * time range add up to, and what is left open at its end. Pure, so the server and (offline) the
 * desk compute the same figures from the same records: the desk from the records it has pulled,
 * the server from PostgreSQL. Small counts are kept, because a handover needs exact numbers (the
 * files for reporting outside the team apply the small-number rule, disclosure.ts); what never
 * appears is anything typed by a person: every figure is a count, a duration, a time, a code from
 * a fixed list, a service's name as the published directory has it (never as the record has it),
 * a call reference made from the record id, or the name of a member of staff.
 *
 * Everything "now" (a callback overdue, a draft still open) is judged at generatedAt, the time the
 * summary is made, which is printed on it.
 */

const Iso = z.iso.datetime({ offset: true });
const Count = z.number().int().min(0);
// Sorted: JavaScript lists an object's integer-like keys ('98') before the others ('01').
const OUTCOME_CODE_VALUES = (Object.keys(OUTCOME_CODES) as OutcomeCode[]).sort() as [OutcomeCode, ...OutcomeCode[]];

export const AGE_BANDS = ['under_18', '18_and_over', 'not_recorded'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];
export const AGE_BAND_LABELS: Record<AgeBand, string> = { under_18: 'Under 18', '18_and_over': '18 and over', not_recorded: 'Not recorded' };

/** A member of staff as the server names them (the id when the server did not say). */
const Person = z.object({ id: z.string(), name: z.string() });
export type Person = z.infer<typeof Person>;

export const ShiftSummary = z
  .object({
    teamId: z.string(),
    from: Iso,
    to: Iso,
    /** When the summary was made: "overdue" and "still open" are judged at this time. */
    generatedAt: Iso,
    timeZone: z.literal(LONDON_ZONE),
    contacts: z.object({
      /** Calls started in the range, not counting discarded drafts. */
      total: Count,
      /**
       * One entry per clock hour of the range, including empty hours: the UTC start and London's
       * wall clock with its offset, so the hour repeated when the clocks go back appears twice
       * (01:00+01:00 then 01:00+00:00) and the skipped one not at all.
       */
      byHour: z.array(z.object({ start: Iso, londonStart: z.string(), contacts: Count })),
      byContactRoute: z.array(z.object({ route: z.enum(CONTACT_ROUTES), label: z.string(), contacts: Count })),
      /** callerType null: not yet recorded. */
      byCallerType: z.array(z.object({ callerType: z.enum(CALLER_TYPES).nullable(), label: z.string(), contacts: Count })),
      /** The age of the person the call is about on the day of the call (London date), from a date of birth or a stated age. */
      byAgeBand: z.array(z.object({ band: z.enum(AGE_BANDS), label: z.string(), contacts: Count })),
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
    /** Calls (not interventions) with each escalation; a call can have several. */
    escalations: z.object({
      immediateDanger: Count,
      /** Calls with any emergency intervention (999, police, ambulance, welfare check). */
      emergencyInterventions: Count,
      /** 999 called. */
      emergencyServicesCalled: Count,
      policeContacted: Count,
      ambulanceRequested: Count,
      welfareChecksRequested: Count,
      safeguardingReferrals: Count,
      safeguardingConcerns: z.object({ children: Count, adults: Count }),
    }),
    /** Callbacks asked for on the calls of the range. Made: in the record or later by an addendum. */
    callbacks: z.object({ scheduled: Count, made: Count, madeByAddendum: Count, outstanding: Count, overdue: Count }),
    /**
     * The handover list: every callback the team still owes at generatedAt on a call started
     * before the end of the range, whichever shift took the call, due soonest first (no due time first).
     */
    handover: z.array(
      z.object({
        reference: z.string(),
        recordId: z.string(),
        startedAt: Iso,
        dueAt: Iso.nullable(),
        overdue: z.boolean(),
        /** The call was taken before this range: carried over from an earlier shift. */
        carriedOver: z.boolean(),
        /** The clinician the record is filed under; null while it has not reached the server. */
        owner: Person.nullable(),
      }),
    ),
    /** The range's calls by status (discarded drafts are not contacts). */
    records: z.object({ draft: Count, finalised: Count, discarded: Count }),
    /**
     * Records left in draft at the end of the range (or now, while it runs), whenever they were
     * started, by owner: how many, how many of those are still drafts now, and the oldest start.
     */
    draftsAtEnd: z.object({
      total: Count,
      byOwner: z.array(z.object({ owner: Person.nullable(), count: Count, stillDraft: Count, oldestStartedAt: Iso })),
    }),
    /** The team's desks that last reported changes waiting to reach the server, longest silent first. */
    unsyncedDesks: z.array(z.object({ clientId: z.string().uuid(), user: Person.nullable(), lastSeenAt: Iso.nullable(), pending: z.number().int().min(1) })),
    /**
     * Times within the range when a desk of the team held changes it could not deliver, as the
     * server saw them (offline-periods in server/src/summaries): clipped to the range, ongoing when
     * the desk has not delivered yet.
     */
    offlinePeriods: z.array(z.object({ clientId: z.string().uuid(), user: Person.nullable(), from: Iso, to: Iso, ongoing: z.boolean() })),
    /** Problems with directory services reported by the team's clinicians in the range. */
    directoryProblems: z.object({ reported: Count, byKind: z.array(z.object({ kind: z.string(), count: Count })) }),
  })
  .strict();
export type ShiftSummary = z.infer<typeof ShiftSummary>;

/**
 * What the summary reads of a record: only times, codes, flags, directory ids and the owner's id.
 * The server builds exactly this inside PostgreSQL (summary-sql.ts) so free text never leaves the
 * database; the desk builds it from a record with summaryRecordOf.
 */
export interface SummaryRecord {
  id: string;
  status: CallStatus;
  /** The clinician the server filed the record under; null for a record not yet on the server. */
  ownerId: string | null;
  finalisedAt: string | null;
  discardedAt: string | null;
  startedAt: string;
  endedAt: string | null;
  contactRoute: ContactRoute;
  caller: { type: CallerType | null; ageYears: number | null; dateOfBirth: string | null };
  immediateDanger: boolean;
  safeguarding: { referralMade: boolean; childrenConcern: boolean; adultConcern: boolean };
  interventions: readonly Intervention[];
  outcomeCode: OutcomeCode | null;
  referrals: readonly { serviceId: string; serviceType: ServiceType }[];
  /** madeAt: in the record, or the earliest addendum that recorded it as made (madeByAddendum). */
  callback: { required: boolean; dueAt: string | null; madeAt: string | null; madeByAddendum: boolean };
}

/** The summary's view of a record the desk holds (the server makes the same in SQL). */
export function summaryRecordOf(record: Pick<CallRecord, 'id' | 'status' | 'finalisedAt' | 'discardedAt' | 'content' | 'addenda'>, ownerId: string | null): SummaryRecord {
  const c = record.content;
  let byAddendum: number | null = null;
  for (const a of record.addenda) {
    if (a.callbackMadeAt && (byAddendum === null || Date.parse(a.callbackMadeAt) < byAddendum)) byAddendum = Date.parse(a.callbackMadeAt);
  }
  const madeAt = c.callback.completedAt ?? (byAddendum === null ? null : new Date(byAddendum).toISOString());
  return {
    id: record.id,
    status: record.status,
    ownerId,
    finalisedAt: record.finalisedAt,
    discardedAt: record.discardedAt,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    contactRoute: c.contactRoute,
    caller: { type: c.caller.type, ageYears: c.caller.ageYears, dateOfBirth: c.caller.dateOfBirth },
    immediateDanger: c.risk.immediateDanger,
    safeguarding: { referralMade: c.risk.safeguarding.referralMade, childrenConcern: c.risk.safeguarding.childrenConcern, adultConcern: c.risk.safeguarding.adultConcern },
    interventions: c.interventions.items,
    outcomeCode: c.outcome.code,
    referrals: c.referrals.map((r) => ({ serviceId: r.serviceId, serviceType: r.serviceType })),
    callback: { required: c.callback.required, dueAt: c.callback.dueAt, madeAt, madeByAddendum: c.callback.completedAt === null && madeAt !== null },
  };
}

/** A desk of the team as the server knows it: whose it is, when it last pushed, what it said was waiting. */
export interface SummaryDesk {
  clientId: string;
  userId: string | null;
  lastSeenAt: string | null;
  pending: number;
}

/** A stretch when a desk held changes the server did not have yet; to null: still the case. */
export interface DeskOfflinePeriod {
  clientId: string;
  userId: string | null;
  from: string;
  to: string | null;
}

/** A clinician's report of a problem with a directory service, by the desk's clock. */
export interface DirectoryProblemReport {
  id?: string;
  serviceId: string;
  kind: string;
  reportedAt: string;
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
  /**
   * The team's records: those started in [from, to), and any started earlier that may still be
   * open (a draft, or a callback asked for). Anything else is ignored, so passing more is safe.
   */
  records: readonly SummaryRecord[];
  desks: readonly SummaryDesk[];
  offlinePeriods: readonly DeskOfflinePeriod[];
  directoryProblems: readonly DirectoryProblemReport[];
  directory: (serviceId: string) => DirectoryEntry | undefined;
  /** Staff names by user id, as the server has them. */
  people: (userId: string) => string | undefined;
}

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;
const EMERGENCY: ReadonlySet<Intervention> = new Set(['emergency_services_called', 'welfare_check_requested', 'police_contacted', 'ambulance_requested']);

/** Whether the record's call started in [from, to) (in milliseconds). */
export function startedIn(r: Pick<SummaryRecord, 'startedAt'>, from: number, to: number): boolean {
  const started = Date.parse(r.startedAt);
  return started >= from && started < to;
}

/** The age band of the person a call is about, on the day of the call. */
export function ageBandOf(r: Pick<SummaryRecord, 'startedAt' | 'caller'>): AgeBand {
  const age = callerAgeYears({ startedAt: r.startedAt, caller: r.caller });
  if (age === null || age < 0) return 'not_recorded';
  return age < 18 ? 'under_18' : '18_and_over';
}

/** The callback is still owed: asked for on a call that counts (not a discarded draft), and not made. */
export function callbackOwed(r: SummaryRecord): boolean {
  return r.status !== 'discarded' && r.callback.required && r.callback.madeAt === null;
}

/** What a summary is made of besides the records, which a ShiftSummaryBuilder takes one at a time. */
export type ShiftSummaryContext = Omit<ShiftSummaryInput, 'records'>;

export function summariseShift(input: ShiftSummaryInput): ShiftSummary {
  const builder = new ShiftSummaryBuilder(input);
  for (const r of input.records) builder.add(r);
  return builder.finish();
}

type OwnerDrafts = { owner: Person | null; count: number; stillDraft: number; oldest: number };

/**
 * summariseShift one record at a time, so a desk can stream a month of a trust's records from
 * SQLite instead of holding them all (docs/benchmarks.md): what it keeps is counts, one handling
 * time per contact, the callbacks still owed and the drafts by owner. Every figure is independent
 * of the order records arrive in; each record must be added once.
 */
export class ShiftSummaryBuilder {
  private readonly from: number;
  private readonly to: number;
  private readonly now: number;
  private readonly draftsAt: number;
  private readonly firstHour: number;
  private readonly hours: number[];
  private total = 0;
  private readonly byRoute = new Map<ContactRoute, number>();
  private readonly byCaller = new Map<CallerType | null, number>();
  private readonly byBand = new Map<AgeBand, number>();
  private readonly byOutcome = new Map<OutcomeCode | null, number>();
  private readonly seconds: number[] = [];
  private readonly status = { draft: 0, finalised: 0, discarded: 0 };
  private readonly escalations = { immediateDanger: 0, emergency: 0, called999: 0, police: 0, ambulance: 0, welfare: 0, safeguardingReferrals: 0, children: 0, adults: 0 };
  private readonly callbacks = { scheduled: 0, made: 0, madeByAddendum: 0, outstanding: 0, overdue: 0 };
  private referralTotal = 0;
  private notInDirectory = 0;
  private readonly byType = new Map<ServiceType, number>();
  private readonly byService = new Map<string, { entry: DirectoryEntry; count: number }>();
  private readonly unlisted = new Set<string>();
  private readonly handover: ShiftSummary['handover'] = [];
  private draftsTotal = 0;
  private readonly drafts = new Map<string, OwnerDrafts>();

  constructor(private readonly input: ShiftSummaryContext) {
    this.from = input.from.getTime();
    this.to = input.to.getTime();
    this.now = input.now.getTime();
    this.draftsAt = Math.min(this.to, this.now);
    this.firstHour = Math.floor(this.from / MS_PER_HOUR);
    this.hours = new Array<number>(Math.max(0, Math.ceil(this.to / MS_PER_HOUR) - this.firstHour)).fill(0);
  }

  private person(id: string | null): Person | null {
    return id === null ? null : { id, name: this.input.people(id) ?? id };
  }

  add(r: SummaryRecord): void {
    const started = Date.parse(r.startedAt);
    if (started >= this.from && started < this.to) {
      this.status[r.status]++;
      if (r.status !== 'discarded') this.contact(r, started);
    }
    // The handover list: every callback still owed on a call started before the end of the range.
    if (started < this.to && callbackOwed(r)) {
      this.handover.push({
        reference: callReference(r.id),
        recordId: r.id,
        startedAt: new Date(r.startedAt).toISOString(),
        dueAt: r.callback.dueAt === null ? null : new Date(r.callback.dueAt).toISOString(),
        overdue: r.callback.dueAt !== null && Date.parse(r.callback.dueAt) < this.now,
        carriedOver: started < this.from,
        owner: this.person(r.ownerId),
      });
    }
    // Left in draft at the end of the range (or now, while it runs), whenever started.
    if (started < this.to && started <= this.draftsAt && openAt(r, this.draftsAt)) {
      this.draftsTotal++;
      const key = r.ownerId ?? '';
      let entry = this.drafts.get(key);
      if (!entry) this.drafts.set(key, (entry = { owner: this.person(r.ownerId), count: 0, stillDraft: 0, oldest: started }));
      entry.count++;
      if (r.status === 'draft') entry.stillDraft++;
      entry.oldest = Math.min(entry.oldest, started);
    }
  }

  private contact(r: SummaryRecord, started: number): void {
    this.total++;
    this.hours[Math.floor(started / MS_PER_HOUR) - this.firstHour]! += 1;
    bump(this.byRoute, r.contactRoute);
    bump(this.byCaller, r.caller.type);
    bump(this.byBand, ageBandOf(r));
    bump(this.byOutcome, r.outcomeCode);
    if (r.endedAt) {
      const ms = Date.parse(r.endedAt) - started;
      // An end before the start is a desk clock or typing error: it would only distort the figures.
      if (ms >= 0) this.seconds.push(ms / 1000);
    }
    const e = this.escalations;
    if (r.immediateDanger) e.immediateDanger++;
    // Calls, not interventions: a call that lists one twice counts once.
    const did = r.interventions;
    if (did.some((i) => EMERGENCY.has(i))) e.emergency++;
    if (did.includes('emergency_services_called')) e.called999++;
    if (did.includes('police_contacted')) e.police++;
    if (did.includes('ambulance_requested')) e.ambulance++;
    if (did.includes('welfare_check_requested')) e.welfare++;
    if (r.safeguarding.referralMade) e.safeguardingReferrals++;
    if (r.safeguarding.childrenConcern) e.children++;
    if (r.safeguarding.adultConcern) e.adults++;
    if (r.callback.required) {
      const c = this.callbacks;
      c.scheduled++;
      if (callbackOwed(r)) {
        c.outstanding++;
        if (r.callback.dueAt !== null && Date.parse(r.callback.dueAt) < this.now) c.overdue++;
      } else {
        c.made++;
        if (r.callback.madeByAddendum) c.madeByAddendum++;
      }
    }
    for (const ref of r.referrals) {
      this.referralTotal++;
      bump(this.byType, ref.serviceType);
      const known = this.byService.get(ref.serviceId);
      if (known) {
        known.count++;
        continue;
      }
      const entry = this.unlisted.has(ref.serviceId) ? undefined : this.input.directory(ref.serviceId);
      if (entry) this.byService.set(ref.serviceId, { entry, count: 1 });
      else {
        // Asked of the directory once per service; every referral to it is counted.
        this.unlisted.add(ref.serviceId);
        this.notInDirectory++;
      }
    }
  }

  finish(): ShiftSummary {
    const { input, total } = this;
    const e = this.escalations;
    this.seconds.sort((a, b) => a - b);
    return {
      teamId: input.teamId,
      from: input.from.toISOString(),
      to: input.to.toISOString(),
      generatedAt: input.now.toISOString(),
      timeZone: LONDON_ZONE,
      contacts: {
        total,
        byHour: this.hours.map((n, i) => {
          const start = (this.firstHour + i) * MS_PER_HOUR;
          return { start: new Date(start).toISOString(), londonStart: londonWallClock(start), contacts: n };
        }),
        byContactRoute: CONTACT_ROUTES.map((route) => ({ route, label: CONTACT_ROUTE_LABELS[route], contacts: this.byRoute.get(route) ?? 0 })),
        byCallerType: [...CALLER_TYPES, null].map((callerType) => ({
          callerType,
          label: callerType ? CALLER_TYPE_LABELS[callerType] : 'Not recorded',
          contacts: this.byCaller.get(callerType) ?? 0,
        })),
        byAgeBand: AGE_BANDS.map((band) => ({ band, label: AGE_BAND_LABELS[band], contacts: this.byBand.get(band) ?? 0 })),
      },
      handlingTime: { measured: this.seconds.length, medianSeconds: percentile(this.seconds, 0.5), p90Seconds: percentile(this.seconds, 0.9) },
      outcomes: [...OUTCOME_CODE_VALUES, null].map((code) => ({ code, label: code ? OUTCOME_CODES[code] : 'Not recorded', count: this.byOutcome.get(code) ?? 0 })),
      referrals: {
        total: this.referralTotal,
        byServiceType: SERVICE_TYPES.map((serviceType) => ({ serviceType, label: SERVICE_TYPE_LABELS[serviceType], count: this.byType.get(serviceType) ?? 0 })),
        byService: [...this.byService]
          .map(([serviceId, { entry, count }]) => ({ serviceId, serviceName: entry.name, serviceType: entry.type, count }))
          .sort((a, b) => b.count - a.count || compareText(a.serviceName, b.serviceName) || compareText(a.serviceId, b.serviceId)),
        notInDirectory: this.notInDirectory,
      },
      escalations: {
        immediateDanger: e.immediateDanger,
        emergencyInterventions: e.emergency,
        emergencyServicesCalled: e.called999,
        policeContacted: e.police,
        ambulanceRequested: e.ambulance,
        welfareChecksRequested: e.welfare,
        safeguardingReferrals: e.safeguardingReferrals,
        safeguardingConcerns: { children: e.children, adults: e.adults },
      },
      callbacks: { ...this.callbacks },
      handover: [...this.handover].sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? '') || a.startedAt.localeCompare(b.startedAt) || a.recordId.localeCompare(b.recordId)),
      records: { ...this.status },
      draftsAtEnd: {
        total: this.draftsTotal,
        byOwner: [...this.drafts.values()]
          .sort((a, b) => b.count - a.count || compareText(a.owner?.name ?? '', b.owner?.name ?? '') || compareText(a.owner?.id ?? '', b.owner?.id ?? ''))
          .map((d) => ({ owner: d.owner, count: d.count, stillDraft: d.stillDraft, oldestStartedAt: new Date(d.oldest).toISOString() })),
      },
      unsyncedDesks: unsyncedDesksOf(input.desks).map((d) => ({ clientId: d.clientId, user: this.person(d.userId), lastSeenAt: d.lastSeenAt, pending: d.pending })),
      offlinePeriods: offlinePeriods(input.offlinePeriods, this.from, Math.min(this.to, this.now), this.now, (id) => this.person(id)),
      directoryProblems: directoryProblems(input.directoryProblems, this.from, this.to),
    };
  }
}

/** The desks of the team with changes not yet on the server, longest silent first: known before any record is read. */
export function unsyncedDesksOf(desks: readonly SummaryDesk[]): (Omit<ShiftSummary['unsyncedDesks'][number], 'user'> & { userId: string | null })[] {
  return desks
    .filter((d) => d.pending > 0)
    .map((d) => ({ clientId: d.clientId, userId: d.userId, lastSeenAt: d.lastSeenAt === null ? null : new Date(d.lastSeenAt).toISOString(), pending: d.pending }))
    .sort((a, b) => (a.lastSeenAt ?? '').localeCompare(b.lastSeenAt ?? '') || a.clientId.localeCompare(b.clientId));
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** '2026-03-29T02:00+01:00': London's wall clock at a whole-minute instant, with its offset. */
export function londonWallClock(ms: number): string {
  const { day, minute } = londonMomentOf(ms);
  const offsetMinutes = Math.round(day * 1440 + minute - Math.floor(ms / MS_PER_MINUTE));
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${dateOfDayNumber(day)}T${pad(Math.floor(minute / 60))}:${pad(minute % 60)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Linear interpolation between closest ranks (as spreadsheets' PERCENTILE.INC), in whole seconds. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return Math.round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo));
}

/** Code-unit order: the same on every machine and locale, so the desk and the server sort alike. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Neither finalised nor discarded by `at`. */
const openAt = (r: SummaryRecord, at: number) =>
  !(r.finalisedAt !== null && Date.parse(r.finalisedAt) <= at) && !(r.discardedAt !== null && Date.parse(r.discardedAt) <= at);

/** Periods clipped to [from, until), overlapping ones of a desk merged, in time order. */
function offlinePeriods(periods: readonly DeskOfflinePeriod[], from: number, until: number, now: number, person: (id: string | null) => Person | null): ShiftSummary['offlinePeriods'] {
  const byDesk = new Map<string, { userId: string | null; spans: [number, number, boolean][] }>();
  for (const p of periods) {
    const start = Math.max(Date.parse(p.from), from);
    const end = Math.min(p.to === null ? now : Date.parse(p.to), until);
    if (!(end > start)) continue;
    const desk = byDesk.get(p.clientId) ?? { userId: p.userId, spans: [] };
    desk.spans.push([start, end, p.to === null]);
    byDesk.set(p.clientId, desk);
  }
  const out: ShiftSummary['offlinePeriods'] = [];
  for (const [clientId, desk] of byDesk) {
    desk.spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current: [number, number, boolean] | null = null;
    const flush = () => {
      if (current) out.push({ clientId, user: person(desk.userId), from: new Date(current[0]).toISOString(), to: new Date(current[1]).toISOString(), ongoing: current[2] });
    };
    for (const span of desk.spans) {
      if (current && span[0] <= current[1]) {
        current[1] = Math.max(current[1], span[1]);
        current[2] = current[2] || span[2];
      } else {
        flush();
        current = [...span];
      }
    }
    flush();
  }
  return out.sort((a, b) => compareText(a.from, b.from) || compareText(a.clientId, b.clientId));
}

/**
 * The same stretches as fewer: each desk's overlapping or touching ones joined (an open one, to
 * null, absorbs what it overlaps). The summary gives the same figures for either.
 */
export function mergeOfflineStretches(periods: readonly DeskOfflinePeriod[]): DeskOfflinePeriod[] {
  const byDesk = new Map<string, DeskOfflinePeriod[]>();
  for (const p of periods) byDesk.set(p.clientId, [...(byDesk.get(p.clientId) ?? []), p]);
  const out: DeskOfflinePeriod[] = [];
  for (const list of byDesk.values()) {
    const spans = list.map((p) => ({ p, from: Date.parse(p.from), to: p.to === null ? Infinity : Date.parse(p.to) })).sort((a, b) => a.from - b.from || a.to - b.to);
    let current: { p: DeskOfflinePeriod; from: number; to: number } | null = null;
    const flush = () => {
      if (current) out.push({ clientId: current.p.clientId, userId: current.p.userId, from: new Date(current.from).toISOString(), to: current.to === Infinity ? null : new Date(current.to).toISOString() });
    };
    for (const span of spans) {
      if (current && span.from <= current.to) current.to = Math.max(current.to, span.to);
      else {
        flush();
        current = { ...span };
      }
    }
    flush();
  }
  return out.sort((a, b) => compareText(a.from, b.from) || compareText(a.clientId, b.clientId));
}

function directoryProblems(reports: readonly DirectoryProblemReport[], from: number, to: number): ShiftSummary['directoryProblems'] {
  const byKind = new Map<string, number>();
  let reported = 0;
  for (const r of reports) {
    const at = Date.parse(r.reportedAt);
    if (at < from || at >= to) continue;
    reported++;
    byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  }
  return { reported, byKind: [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || compareText(a.kind, b.kind)) };
}
