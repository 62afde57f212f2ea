import type Database from 'better-sqlite3-multiple-ciphers';
import type { CallerType, CallStatus, ContactRoute, Intervention, OutcomeCode } from '../../../shared/domain/call-record';
import type { ServiceType } from '../../../shared/domain/service-types';
import type { SummaryRecord } from '../../../shared/lib/shift-summary';
import { META_KEYS, metaSql } from '../db/tables/meta-sql';
import { outboxSql } from '../db/tables/outbox-sql';

/*
 * The team's records a shift summary is made from, read from desk.db: the records the server filed
 * under the team (record_filing, written as they are pulled), as this desk holds them. SQLite reads
 * only the facts a SummaryRecord holds, field by field (->>), as PostgreSQL does on the server
 * (server/src/summaries/summary-sql.ts), so names, notes and other free text never leave the
 * database for a summary. Records written on this desk that the server has not filed yet belong to
 * no team here: they count once they have been sent and pulled back (until then this desk shows
 * as having changes waiting, as it does on the server).
 *
 * Records are streamed (iterate), never held: a month of a trust is 20,000 records, and the summary
 * and each file's rows need one pass each. Reading plain columns instead of building a JSON object
 * per record in SQL and parsing it again in JavaScript halved the time to read them (measured on
 * 21,000 records: docs/benchmarks.md).
 */

// As the indexes call_record_by_start and call_record_callback_owed write it, so that they are used.
const STARTED = "julianday(json_extract(r.content, '$.startedAt'))";

// One row per record, in this order (raw arrays: no object per row from better-sqlite3).
const COLUMNS = `r.id, r.status, f.clinician_id, r.finalised_at, r.discarded_at,
  r.content ->> '$.startedAt', r.content ->> '$.endedAt', r.content ->> '$.contactRoute',
  r.content ->> '$.caller.type', r.content ->> '$.caller.ageYears', r.content ->> '$.caller.dateOfBirth',
  r.content ->> '$.risk.immediateDanger',
  r.content ->> '$.risk.safeguarding.referralMade', r.content ->> '$.risk.safeguarding.childrenConcern', r.content ->> '$.risk.safeguarding.adultConcern',
  r.content -> '$.interventions.items',
  r.content ->> '$.outcome.code',
  CASE WHEN json_array_length(r.content, '$.referrals') > 0 THEN
    (SELECT json_group_array(json_array(x.value ->> '$.serviceId', x.value ->> '$.serviceType')) FROM json_each(r.content, '$.referrals') AS x) END,
  r.content ->> '$.callback.required', r.content ->> '$.callback.dueAt', r.content ->> '$.callback.completedAt',
  (SELECT a.callback_made_at FROM call_addendum a WHERE a.record_id = r.id AND a.callback_made_at IS NOT NULL ORDER BY julianday(a.callback_made_at) LIMIT 1)`;

type Row = [
  id: string,
  status: CallStatus,
  ownerId: string | null,
  finalisedAt: string | null,
  discardedAt: string | null,
  startedAt: string,
  endedAt: string | null,
  contactRoute: ContactRoute,
  callerType: CallerType | null,
  ageYears: number | string | null,
  dateOfBirth: string | null,
  immediateDanger: number | null,
  safeguardingReferral: number | null,
  childrenConcern: number | null,
  adultConcern: number | null,
  interventions: string | null,
  outcomeCode: OutcomeCode | null,
  referrals: string | null,
  callbackRequired: number | null,
  dueAt: string | null,
  completedAt: string | null,
  madeByAddendumAt: string | null,
];

interface Range {
  team: string;
  from: string;
  to: string;
  at: string;
}

export class TeamRecords {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    // CROSS JOIN keeps SQLite's join order: find the records by their own indexes (start time, open
    // callbacks, closing time), then look up each one's team. Driven from the team instead, every
    // summary read all the team's records (0.5–0.8 s per query for 15,000 records).
    const from = `FROM call_record r CROSS JOIN record_filing f ON f.record_id = r.id`;
    const select = (sql: string) => db.prepare(sql).raw();
    this.s = {
      // The range's calls (call_record_by_start), then what may still be open from before it: drafts,
      // records closed only after the end, and callbacks not closed in the record (call_record_callback_owed).
      inRange: select(`SELECT ${COLUMNS} ${from} WHERE f.team_id = @team AND ${STARTED} >= julianday(@from) AND ${STARTED} < julianday(@to)`),
      // The same calls in the files' order (contactsOf: start, then id).
      inRangeInOrder: select(`SELECT ${COLUMNS} ${from} WHERE f.team_id = @team AND ${STARTED} >= julianday(@from) AND ${STARTED} < julianday(@to) ORDER BY ${STARTED}, r.id`),
      // The same without the discarded drafts.
      contacts: select(
        `SELECT ${COLUMNS} ${from} WHERE f.team_id = @team AND ${STARTED} >= julianday(@from) AND ${STARTED} < julianday(@to) AND r.status <> 'discarded'
         ORDER BY ${STARTED}, r.id`,
      ),
      // All teams' calls of the range, from the index alone: a bound for a progress bar, in a millisecond.
      atMost: db.prepare(`SELECT count(*) FROM call_record r WHERE ${STARTED} >= julianday(@from) AND ${STARTED} < julianday(@to)`).pluck(),
      drafts: select(`SELECT ${COLUMNS} ${from} WHERE r.status = 'draft' AND f.team_id = @team AND ${STARTED} < julianday(@from)`),
      finalisedLate: select(
        `SELECT ${COLUMNS} FROM call_record r INDEXED BY call_record_by_finalised CROSS JOIN record_filing f ON f.record_id = r.id
         WHERE r.finalised_at > @at AND f.team_id = @team AND ${STARTED} < julianday(@from)`,
      ),
      discardedLate: select(
        `SELECT ${COLUMNS} FROM call_record r INDEXED BY call_record_by_discarded CROSS JOIN record_filing f ON f.record_id = r.id
         WHERE r.discarded_at > @at AND f.team_id = @team AND ${STARTED} < julianday(@from)`,
      ),
      // Only callbacks still owed: from before the range, a made one counts for nothing.
      callbacks: select(
        `SELECT ${COLUMNS} ${from} WHERE json_extract(r.content, '$.callback.required') = 1 AND json_extract(r.content, '$.callback.completedAt') IS NULL
         AND ${STARTED} < julianday(@from) AND r.status <> 'discarded' AND f.team_id = @team
         AND NOT EXISTS (SELECT 1 FROM call_addendum a WHERE a.record_id = r.id AND a.callback_made_at IS NOT NULL)`,
      ),
      asOf: db.prepare('SELECT max(server_updated_at) FROM record_filing WHERE team_id = ?').pluck(),
      meta: metaSql(db).value,
      waiting: outboxSql(db).countWaiting,
      hasTeam: db.prepare('SELECT 1 FROM record_filing WHERE team_id = ? LIMIT 1').pluck(),
    };
  }

  /**
   * Every record of the team the summary of [from, to) needs, each once, judged at `now` (the same
   * selection as the server's teamSummaryRecords; the pure summary decides what each counts for).
   * The range's own records stream; those from before it that may still be open are few.
   */
  *forRange(teamId: string, from: Date, to: Date, now: Date): Generator<SummaryRecord> {
    for (const row of this.s.inRange.iterate(range(teamId, from, to, now)) as IterableIterator<Row>) yield toSummaryRecord(row);
    yield* this.openBefore(teamId, from, to, now);
  }

  /** Records started before the range that may still count in it (a draft, a late close, a callback owed), each once. */
  *openBefore(teamId: string, from: Date, to: Date, now: Date): Generator<SummaryRecord> {
    const p = range(teamId, from, to, now);
    const before = new Map<string, Row>();
    for (const stmt of [this.s.drafts, this.s.finalisedLate, this.s.discardedLate, this.s.callbacks]) {
      for (const row of stmt.iterate(p) as IterableIterator<Row>) before.set(row[0], row);
    }
    for (const row of before.values()) yield toSummaryRecord(row);
  }

  /** The range's records, discarded drafts included, in the order the files list contacts. */
  *inRangeInOrder(teamId: string, from: Date, to: Date): Generator<SummaryRecord> {
    for (const row of this.s.inRangeInOrder.iterate(range(teamId, from, to, to)) as IterableIterator<Row>) yield toSummaryRecord(row);
  }

  /** The range's contacts (calls not discarded), in the order the files list them. */
  *contacts(teamId: string, from: Date, to: Date): Generator<SummaryRecord> {
    for (const row of this.s.contacts.iterate(range(teamId, from, to, to)) as IterableIterator<Row>) yield toSummaryRecord(row);
  }

  /** At least as many as the range's contacts (every team's calls in it): for progress. */
  contactsAtMost(from: Date, to: Date): number {
    return this.s.atMost.get({ from: from.toISOString(), to: to.toISOString() }) as number;
  }

  /** The server time of the newest change to the team's records that this desk holds. */
  recordsAsOf(teamId: string): string | null {
    const v = this.s.asOf.get(teamId) as string | null;
    return v === null ? null : new Date(v).toISOString();
  }

  /** When this desk last applied a page of pulled records. */
  pulledAt(): string | null {
    return (this.s.meta.get(META_KEYS.recordsPulledAt) as string | undefined) ?? null;
  }

  waitingChanges(): number {
    return this.s.waiting.get() as number;
  }

  holdsTeam(teamId: string): boolean {
    return this.s.hasTeam.get(teamId) === 1;
  }
}

function range(teamId: string, from: Date, to: Date, now: Date): Range {
  return { team: teamId, from: from.toISOString(), to: to.toISOString(), at: new Date(Math.min(to.getTime(), now.getTime())).toISOString() };
}

const NO_INTERVENTIONS: readonly Intervention[] = [];
const NO_REFERRALS: SummaryRecord['referrals'] = [];

/** As summaryRecordOf makes it from a whole record: the callback made in the record or, failing that, by the earliest addendum. */
function toSummaryRecord(row: Row): SummaryRecord {
  const [id, status, ownerId, finalisedAt, discardedAt, startedAt, endedAt, contactRoute, callerType, ageYears, dateOfBirth] = row;
  const [immediateDanger, referralMade, childrenConcern, adultConcern, interventions, outcomeCode, referrals, required, dueAt, completedAt, madeByAddendumAt] = row.slice(11) as [
    number | null, number | null, number | null, number | null, string | null, OutcomeCode | null, string | null, number | null, string | null, string | null, string | null,
  ];
  const byAddendum = madeByAddendumAt === null ? null : new Date(madeByAddendumAt).toISOString();
  const madeAt = completedAt ?? byAddendum;
  return {
    id,
    status,
    ownerId,
    finalisedAt,
    discardedAt,
    startedAt,
    endedAt,
    contactRoute,
    caller: { type: callerType, ageYears: ageYears === null ? null : Number(ageYears), dateOfBirth },
    immediateDanger: immediateDanger === 1,
    safeguarding: { referralMade: referralMade === 1, childrenConcern: childrenConcern === 1, adultConcern: adultConcern === 1 },
    interventions: interventions === null || interventions === '[]' ? NO_INTERVENTIONS : (JSON.parse(interventions) as Intervention[]),
    outcomeCode,
    referrals: referrals === null ? NO_REFERRALS : (JSON.parse(referrals) as [string, ServiceType][]).map(([serviceId, serviceType]) => ({ serviceId, serviceType })),
    callback: { required: required === 1, dueAt, madeAt, madeByAddendum: completedAt === null && madeAt !== null },
  };
}
