import { z } from 'zod';
import { SERVICE_TYPES } from '../../../shared/domain/service-types';
import type { DirectoryEntry, SummaryDesk, SummaryRecord } from '../../../shared/lib/shift-summary';
import type { Queryable } from '../db/db';

/*
 * The rows a shift summary is made from. The records query builds, inside the database, an object
 * holding only the dates, codes, flags and directory ids the summary counts: names, notes and
 * every other free text never leave PostgreSQL for a summary. A callback counts as done when the
 * record says so or an addendum recorded it as made.
 */

const SUMMARY_FACTS = `jsonb_build_object(
  'startedAt', content->'startedAt',
  'endedAt', content->'endedAt',
  'contactRoute', content->'contactRoute',
  'caller', jsonb_build_object('type', content#>'{caller,type}'),
  'risk', jsonb_build_object(
    'immediateDanger', content#>'{risk,immediateDanger}',
    'safeguarding', jsonb_build_object(
      'referralMade', content#>'{risk,safeguarding,referralMade}',
      'childrenConcern', content#>'{risk,safeguarding,childrenConcern}',
      'adultConcern', content#>'{risk,safeguarding,adultConcern}')),
  'interventions', jsonb_build_object('items', content#>'{interventions,items}'),
  'outcome', jsonb_build_object('code', content#>'{outcome,code}'),
  'referrals', (SELECT coalesce(jsonb_agg(jsonb_build_object('serviceId', r->'serviceId', 'serviceType', r->'serviceType')), '[]'::jsonb)
                FROM jsonb_array_elements(content->'referrals') AS r),
  'callback', jsonb_build_object(
    'required', content#>'{callback,required}',
    'dueAt', content#>'{callback,dueAt}',
    -- Made before the record was finalised (in it), or afterwards (recorded by an addendum).
    'completedAt', coalesce(
      nullif(content#>'{callback,completedAt}', 'null'::jsonb),
      (SELECT to_jsonb(min(a.callback_made_at)) FROM call_addendum a WHERE a.record_id = call_record.id))))`;

export async function teamRecordsStartedBetween(db: Queryable, trustId: string, teamId: string, from: Date, to: Date): Promise<SummaryRecord[]> {
  return db.query<SummaryRecord>(
    `SELECT status, ${SUMMARY_FACTS} AS content FROM call_record
     WHERE trust_id = $1 AND team_id = $2 AND started_at >= $3 AND started_at < $4`,
    [trustId, teamId, from.toISOString(), to.toISOString()],
  );
}

export async function teamDesksWithPending(db: Queryable, trustId: string, teamId: string): Promise<SummaryDesk[]> {
  const rows = await db.query<{ client_id: string; last_seen_at: Date | null; reported_pending: number }>(
    'SELECT client_id, last_seen_at, reported_pending FROM sync_client WHERE trust_id = $1 AND team_id = $2 AND reported_pending > 0',
    [trustId, teamId],
  );
  return rows.map((r) => ({ clientId: r.client_id, lastSeenAt: r.last_seen_at?.toISOString() ?? null, pending: r.reported_pending }));
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

export async function teamInTrust(db: Queryable, trustId: string, teamId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM team WHERE id = $1 AND trust_id = $2', [teamId, trustId])).length > 0;
}
