import { z } from 'zod';
import { SERVICE_TYPES } from '../../../shared/domain/service-types';
import { DEFAULT_SHIFT_PRESETS, type ShiftPreset } from '../../../shared/lib/shift-presets';
import type { DeskOfflinePeriod, DirectoryEntry, SummaryDesk, SummaryRecord } from '../../../shared/lib/shift-summary';
import type { Queryable } from '../db/db';

/*
 * The rows a shift summary is made from. The records query builds, inside the database, an object
 * holding only the times, codes, flags, directory ids and owner the summary reads (SummaryRecord):
 * names, notes and every other free text never leave PostgreSQL for a summary, and the date of
 * birth only to be turned into an age band. A callback counts as made when the record says so or
 * an addendum recorded it as made (the earliest such addendum).
 */

const SUMMARY_RECORD = `jsonb_build_object(
  'id', id,
  'status', status,
  'ownerId', clinician_id,
  'finalisedAt', to_jsonb(finalised_at),
  'discardedAt', to_jsonb(discarded_at),
  'startedAt', content->'startedAt',
  'endedAt', content->'endedAt',
  'contactRoute', content->'contactRoute',
  'caller', jsonb_build_object(
    'type', content#>'{caller,type}',
    'ageYears', content#>'{caller,ageYears}',
    'dateOfBirth', content#>'{caller,dateOfBirth}'),
  'immediateDanger', content#>'{risk,immediateDanger}',
  'safeguarding', jsonb_build_object(
    'referralMade', content#>'{risk,safeguarding,referralMade}',
    'childrenConcern', content#>'{risk,safeguarding,childrenConcern}',
    'adultConcern', content#>'{risk,safeguarding,adultConcern}'),
  'interventions', content#>'{interventions,items}',
  'outcomeCode', content#>'{outcome,code}',
  'referrals', (SELECT coalesce(jsonb_agg(jsonb_build_object('serviceId', r->'serviceId', 'serviceType', r->'serviceType')), '[]'::jsonb)
                FROM jsonb_array_elements(content->'referrals') AS r),
  'callback', (SELECT jsonb_build_object(
      'required', content#>'{callback,required}',
      'dueAt', content#>'{callback,dueAt}',
      -- Made before the record was finalised (in it), or afterwards (recorded by an addendum).
      'madeAt', coalesce(nullif(content#>'{callback,completedAt}', 'null'::jsonb), to_jsonb(made.at)),
      'madeByAddendum', (nullif(content#>'{callback,completedAt}', 'null'::jsonb) IS NULL AND made.at IS NOT NULL))
    FROM (SELECT min(a.callback_made_at) AS at FROM call_addendum a WHERE a.trust_id = call_record.trust_id AND a.record_id = call_record.id) AS made))`;

/**
 * The team's records the summary of [from, to) needs (judged at `now`): those started in the range,
 * and those started earlier that may still be open at its end (a draft then, or a callback asked
 * for). The pure summary decides what each counts for.
 */
export async function teamSummaryRecords(db: Queryable, trustId: string, teamId: string, from: Date, to: Date, now: Date): Promise<SummaryRecord[]> {
  const at = new Date(Math.min(to.getTime(), now.getTime())).toISOString();
  const rows = await db.query<{ r: SummaryRecord }>(
    `SELECT ${SUMMARY_RECORD} AS r FROM call_record
     WHERE trust_id = $1 AND team_id = $2 AND started_at >= $3 AND started_at < $4
     UNION ALL
     SELECT ${SUMMARY_RECORD} AS r FROM call_record
     WHERE trust_id = $1 AND team_id = $2 AND started_at < $3
       AND (status = 'draft' OR finalised_at > $5 OR discarded_at > $5
            -- From before the range only a callback still owed counts (for the handover list).
            OR (status <> 'discarded' AND content#>>'{callback,required}' = 'true' AND content#>>'{callback,completedAt}' IS NULL
                AND NOT EXISTS (SELECT 1 FROM call_addendum a WHERE a.trust_id = call_record.trust_id AND a.record_id = call_record.id AND a.callback_made_at IS NOT NULL)))`,
    [trustId, teamId, from.toISOString(), to.toISOString(), at],
  );
  return rows.map((x) => x.r);
}

/** Every desk that has pushed for the team, with whose it is and what it last said was waiting. */
export async function teamDesks(db: Queryable, trustId: string, teamId: string): Promise<SummaryDesk[]> {
  const rows = await db.query<{ client_id: string; user_id: string; last_seen_at: Date | null; reported_pending: number }>(
    'SELECT client_id, user_id, last_seen_at, reported_pending FROM sync_client WHERE trust_id = $1 AND team_id = $2 ORDER BY client_id',
    [trustId, teamId],
  );
  return rows.map((r) => ({ clientId: r.client_id, userId: r.user_id, lastSeenAt: r.last_seen_at?.toISOString() ?? null, pending: r.reported_pending }));
}

/** Changes that reached the server this long after their desk made them tell of the desk being offline. */
export const LATE_AFTER_MINUTES = 5;

/**
 * The raw stretches during which the team's desks held changes the server did not have, since
 * `since`: for each change that arrived more than LATE_AFTER_MINUTES after it was made (desk clock),
 * from when it was made to when it arrived; and for a desk that last reported changes waiting and
 * has not pushed since, an open stretch from its last push. The summary merges and clips them.
 * Five minutes is longer than the desk's longest backoff between attempts (three minutes, see
 * electron/core/sync/backoff.ts) plus a slow batch, so a desk that is online never counts.
 */
export async function teamOfflineStretches(db: Queryable, trustId: string, teamId: string, since: Date, now: Date): Promise<DeskOfflinePeriod[]> {
  const late = await db.query<{ client_id: string; user_id: string; desk_time: Date; applied_at: Date }>(
    `SELECT a.client_id, c.user_id, a.desk_time, a.applied_at FROM applied_mutation a JOIN sync_client c ON c.trust_id = a.trust_id AND c.client_id = a.client_id
     WHERE c.trust_id = $1 AND c.team_id = $2 AND a.applied_at >= $3 AND a.desk_time IS NOT NULL
       AND a.applied_at - a.desk_time > make_interval(mins => $4)
     ORDER BY a.client_id, a.desk_time`,
    [trustId, teamId, since.toISOString(), LATE_AFTER_MINUTES],
  );
  const open = await db.query<{ client_id: string; user_id: string; last_seen_at: Date }>(
    `SELECT client_id, user_id, last_seen_at FROM sync_client
     WHERE trust_id = $1 AND team_id = $2 AND reported_pending > 0 AND last_seen_at IS NOT NULL AND last_seen_at < $3`,
    [trustId, teamId, new Date(now.getTime() - LATE_AFTER_MINUTES * 60_000).toISOString()],
  );
  return [
    ...late.map((r) => ({ clientId: r.client_id, userId: r.user_id, from: r.desk_time.toISOString(), to: r.applied_at.toISOString() })),
    ...open.map((r) => ({ clientId: r.client_id, userId: r.user_id, from: r.last_seen_at.toISOString(), to: null })),
  ];
}

/** Display names of the people a team's summary may name: its members, its records' owners and its desks' users. */
export async function teamPeople(db: Queryable, trustId: string, teamId: string): Promise<{ id: string; name: string }[]> {
  return db.query<{ id: string; name: string }>(
    `SELECT id, display_name AS name FROM app_user WHERE trust_id = $1 AND (
       team_id = $2
       OR id IN (SELECT DISTINCT clinician_id FROM call_record WHERE trust_id = $1 AND team_id = $2)
       OR id IN (SELECT user_id FROM sync_client WHERE trust_id = $1 AND team_id = $2))
     ORDER BY id`,
    [trustId, teamId],
  );
}

/** The server time of the newest change to the team's records (change_seq follows commit order). */
export async function teamRecordsAsOf(db: Queryable, trustId: string, teamId: string): Promise<string | null> {
  const [row] = await db.query<{ updated_at: Date }>('SELECT updated_at FROM call_record WHERE trust_id = $1 AND team_id = $2 ORDER BY change_seq DESC LIMIT 1', [trustId, teamId]);
  return row?.updated_at.toISOString() ?? null;
}

export async function teamShiftPresets(db: Queryable, teamId: string): Promise<{ presets: ShiftPreset[]; configured: boolean }> {
  const rows = await db.query<ShiftPreset>('SELECT id, label, starts AS start, ends AS "end" FROM team_shift_preset WHERE team_id = $1 ORDER BY position, id', [teamId]);
  return rows.length > 0 ? { presets: rows, configured: true } : { presets: [...DEFAULT_SHIFT_PRESETS], configured: false };
}

export async function replaceTeamShiftPresets(db: Queryable, teamId: string, presets: readonly ShiftPreset[], userId: string): Promise<void> {
  await db.query('DELETE FROM team_shift_preset WHERE team_id = $1', [teamId]);
  await db.query(
    `INSERT INTO team_shift_preset (team_id, id, label, starts, ends, position, updated_by)
     SELECT $1, x.id, x.label, x.start, x."end", x.position, $3 FROM jsonb_to_recordset($2::jsonb) AS x(id text, label text, start text, "end" text, position integer)`,
    [teamId, JSON.stringify(presets.map((p, position) => ({ ...p, position }))), userId],
  );
}

const ServiceType = z.enum(SERVICE_TYPES);

/** The trust's published directory entries for these service ids (deleted services are not listed). */
export async function directoryEntries(db: Queryable, trustId: string, serviceIds: string[]): Promise<Map<string, DirectoryEntry>> {
  if (serviceIds.length === 0) return new Map();
  const rows = await db.query<{ id: string; name: string | null; type: string | null }>(
    "SELECT id, doc->>'name' AS name, doc->>'type' AS type FROM directory_service WHERE trust_id = $1 AND id = ANY($2::text[]) AND NOT deleted",
    [trustId, serviceIds],
  );
  const entries = new Map<string, DirectoryEntry>();
  for (const r of rows) {
    const type = ServiceType.safeParse(r.type);
    if (r.name && type.success) entries.set(r.id, { name: r.name, type: type.data });
  }
  return entries;
}

/** The teams of a trust, by name. */
export async function teamsOf(db: Queryable, trustId: string): Promise<{ id: string; name: string }[]> {
  return db.query<{ id: string; name: string }>('SELECT id, name FROM team WHERE trust_id = $1 ORDER BY name, id', [trustId]);
}

export async function teamOf(db: Queryable, trustId: string, teamId: string): Promise<{ id: string; name: string } | null> {
  const [row] = await db.query<{ id: string; name: string }>('SELECT id, name FROM team WHERE id = $1 AND trust_id = $2', [teamId, trustId]);
  return row ?? null;
}

/**
 * The directory problems the team's clinicians reported in [from, to) by their desks' clocks
 * (resolved or not): what the summary counts, and what a lead's desk is given to count the same.
 */
export async function teamDirectoryProblems(db: Queryable, trustId: string, teamId: string, from: Date, to: Date): Promise<{ id: string; serviceId: string; kind: string; reportedAt: string }[]> {
  const rows = await db.query<{ id: string; service_id: string; kind: string; reported_at: Date }>(
    'SELECT id, service_id, kind, reported_at FROM directory_report WHERE trust_id = $1 AND team_id = $2 AND reported_at >= $3 AND reported_at < $4 ORDER BY reported_at, id',
    [trustId, teamId, from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => ({ id: r.id, serviceId: r.service_id, kind: r.kind, reportedAt: new Date(r.reported_at).toISOString() }));
}
