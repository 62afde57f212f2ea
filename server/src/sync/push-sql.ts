import type { DraftContent, CallStatus } from '../../../shared/domain/call-record';
import type { Queryable } from '../db/db';
import type { NewAddendum, RecordState } from './apply-mutation';

/*
 * The statements of a push, each taking a whole batch at once (rows passed as one JSON array and
 * unpacked with jsonb_to_recordset), so a batch costs the same few round trips at 1 or 500 mutations.
 * Every id a desk makes (record, addendum, change, sync stream) is looked up within the writer's
 * trust only (migration 11): another trust's ids are never seen here.
 */

export interface SyncClientRow {
  user_id: string;
  last_seq: number;
  /** The transaction's time on the server's clock: when this batch was received. */
  received_at: Date;
}

/** Which sync stream: a desk's client id within the writer's trust. */
export interface Stream {
  trustId: string;
  clientId: string;
}

/** The desk's sync_client row, locked until the transaction ends; claimed for the user on first use. */
export async function lockSyncClient(tx: Queryable, w: { clientId: string; trustId: string; teamId: string; userId: string }): Promise<SyncClientRow> {
  const select = () =>
    tx.query<SyncClientRow>('SELECT user_id, last_seq, now() AS received_at FROM sync_client WHERE trust_id = $1 AND client_id = $2 FOR UPDATE', [w.trustId, w.clientId]);
  const [row] = await select();
  if (row) return row;
  await tx.query('INSERT INTO sync_client (client_id, trust_id, team_id, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (trust_id, client_id) DO NOTHING', [
    w.clientId, w.trustId, w.teamId, w.userId,
  ]);
  return (await select())[0]!;
}

export async function saveSyncClient(tx: Queryable, stream: Stream, teamId: string, lastSeq: number, pending: number | undefined): Promise<void> {
  await tx.query(
    'UPDATE sync_client SET last_seq = $3, team_id = $4, reported_pending = coalesce($5, reported_pending), last_seen_at = now() WHERE trust_id = $1 AND client_id = $2',
    [stream.trustId, stream.clientId, lastSeq, teamId, pending ?? null],
  );
}

export interface AppliedRow {
  mutation_id: string;
  seq: number;
  record_id: string;
  status: 'applied' | 'conflict' | 'rejected';
  server_revision: number | null;
  reason: string | null;
  /** When the desk made the change (its clock): how late it arrived tells of the desk's offline periods (migration 7). */
  desk_time?: string;
}

/** An answer as it is recorded: with the author of the mutation, the stream's signed-in user. */
export type AnswerRow = AppliedRow & { author_id: string };

export async function answersForSeqs(tx: Queryable, stream: Stream, fromSeq: number, toSeq: number): Promise<Map<number, AppliedRow>> {
  const rows = await tx.query<AppliedRow>(
    'SELECT mutation_id, seq, record_id, status, server_revision, reason FROM applied_mutation WHERE trust_id = $1 AND client_id = $2 AND seq BETWEEN $3 AND $4',
    [stream.trustId, stream.clientId, fromSeq, toSeq],
  );
  return new Map(rows.map((r) => [r.seq, r]));
}

/** The ids among `ids` that changes the trust already sent carry. */
export async function usedMutationIds(tx: Queryable, trustId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.query<{ mutation_id: string }>('SELECT mutation_id FROM applied_mutation WHERE trust_id = $1 AND mutation_id = ANY($2::uuid[])', [trustId, ids]);
  return new Set(rows.map((r) => r.mutation_id));
}

export async function recordAnswers(tx: Queryable, stream: Stream, rows: AnswerRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO applied_mutation (trust_id, mutation_id, client_id, seq, record_id, status, server_revision, reason, author_id, desk_time)
     SELECT $1, x.mutation_id, $2, x.seq, x.record_id, x.status, x.server_revision, x.reason, x.author_id, x.desk_time
     FROM jsonb_to_recordset($3::jsonb) AS x(mutation_id uuid, seq bigint, record_id uuid, status text, server_revision integer, reason text, author_id text, desk_time timestamptz)`,
    [stream.trustId, stream.clientId, JSON.stringify(rows)],
  );
}

interface RecordRow {
  id: string;
  trust_id: string;
  team_id: string;
  clinician_id: string;
  origin_client_id: string;
  last_client_id: string;
  status: CallStatus;
  revision: number;
  content: DraftContent;
  content_hash: string | null;
  finalised_at: Date | null;
  discarded_at: Date | null;
  discard_reason: string | null;
  desk_updated_at: Date;
  received_at: Date;
  desk_finalised_at: Date | null;
  finalised_received_at: Date | null;
  desk_discarded_at: Date | null;
  discarded_received_at: Date | null;
  desk_clock_note: string | null;
  created_by: string | null;
  updated_by: string | null;
  finalised_by: string | null;
  discarded_by: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The trust's records with these ids, whoever in the trust they belong to (the caller decides what
 * it may do with them), locked until the transaction ends. Locked in id order, so two batches
 * never wait on each other in a circle.
 */
export async function lockRecords(tx: Queryable, trustId: string, ids: string[]): Promise<Map<string, RecordState>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<RecordRow>(
    `SELECT id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, content_hash,
            finalised_at, discarded_at, discard_reason, desk_updated_at, received_at, desk_finalised_at, finalised_received_at,
            desk_discarded_at, discarded_received_at, desk_clock_note, created_by, updated_by, finalised_by, discarded_by
     FROM call_record WHERE trust_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
    [trustId, ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        trustId: r.trust_id,
        teamId: r.team_id,
        clinicianId: r.clinician_id,
        originClientId: r.origin_client_id,
        lastClientId: r.last_client_id,
        status: r.status,
        revision: r.revision,
        content: r.content,
        contentHash: r.content_hash,
        finalisedAt: iso(r.finalised_at),
        discardedAt: iso(r.discarded_at),
        discardReason: r.discard_reason,
        deskUpdatedAt: iso(r.desk_updated_at)!,
        receivedAt: iso(r.received_at)!,
        deskFinalisedAt: iso(r.desk_finalised_at),
        finalisedReceivedAt: iso(r.finalised_received_at),
        deskDiscardedAt: iso(r.desk_discarded_at),
        discardedReceivedAt: iso(r.discarded_received_at),
        deskClockNote: r.desk_clock_note,
        createdBy: r.created_by,
        updatedBy: r.updated_by,
        finalisedBy: r.finalised_by,
        discardedBy: r.discarded_by,
      },
    ]),
  );
}

export async function knownAddenda(tx: Queryable, trustId: string, ids: string[]): Promise<Map<string, { recordId: string; contentHash: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ id: string; record_id: string; content_hash: string }>(
    'SELECT id, record_id, content_hash FROM call_addendum WHERE trust_id = $1 AND id = ANY($2::uuid[])',
    [trustId, ids],
  );
  return new Map(rows.map((r) => [r.id, { recordId: r.record_id, contentHash: r.content_hash }]));
}

const recordJson = (r: RecordState) => ({
  id: r.id,
  trust_id: r.trustId,
  team_id: r.teamId,
  clinician_id: r.clinicianId,
  origin_client_id: r.originClientId,
  last_client_id: r.lastClientId,
  status: r.status,
  revision: r.revision,
  content: r.content,
  content_hash: r.contentHash,
  started_at: r.content.startedAt,
  finalised_at: r.finalisedAt,
  discarded_at: r.discardedAt,
  discard_reason: r.discardReason,
  desk_updated_at: r.deskUpdatedAt,
  received_at: r.receivedAt,
  desk_finalised_at: r.deskFinalisedAt,
  finalised_received_at: r.finalisedReceivedAt,
  desk_discarded_at: r.deskDiscardedAt,
  discarded_received_at: r.discardedReceivedAt,
  desk_clock_note: r.deskClockNote,
  created_by: r.createdBy,
  updated_by: r.updatedBy,
  finalised_by: r.finalisedBy,
  discarded_by: r.discardedBy,
});

const RECORD_COLUMNS = `id uuid, trust_id text, team_id text, clinician_id text, origin_client_id uuid, last_client_id uuid, status text,
  revision integer, content jsonb, content_hash text, started_at timestamptz, finalised_at timestamptz, discarded_at timestamptz,
  discard_reason text, desk_updated_at timestamptz, received_at timestamptz, desk_finalised_at timestamptz, finalised_received_at timestamptz,
  desk_discarded_at timestamptz, discarded_received_at timestamptz, desk_clock_note text, created_by text, updated_by text, finalised_by text, discarded_by text`;

/** New records. Another desk creating the same id at the same moment makes this fail (unique key) and the batch is retried. */
export async function insertRecords(tx: Queryable, records: RecordState[]): Promise<void> {
  if (records.length === 0) return;
  await tx.query(
    `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, content_hash,
                              started_at, finalised_at, discarded_at, discard_reason, desk_updated_at, received_at, desk_finalised_at, finalised_received_at,
                              desk_discarded_at, discarded_received_at, desk_clock_note, created_by, updated_by, finalised_by, discarded_by)
     SELECT id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, content_hash,
            started_at, finalised_at, discarded_at, discard_reason, desk_updated_at, received_at, desk_finalised_at, finalised_received_at,
            desk_discarded_at, discarded_received_at, desk_clock_note, created_by, updated_by, finalised_by, discarded_by
     FROM jsonb_to_recordset($1::jsonb) AS x(${RECORD_COLUMNS})`,
    [JSON.stringify(records.map(recordJson))],
  );
}

/** Drafts changed by the batch (their rows are locked); the database refuses any change to a finalised or discarded row. */
export async function updateRecords(tx: Queryable, records: RecordState[]): Promise<void> {
  if (records.length === 0) return;
  await tx.query(
    `UPDATE call_record c SET status = x.status, revision = x.revision, content = x.content, content_hash = x.content_hash,
       started_at = x.started_at, finalised_at = x.finalised_at, discarded_at = x.discarded_at, discard_reason = x.discard_reason,
       desk_updated_at = x.desk_updated_at, last_client_id = x.last_client_id, updated_by = x.updated_by, finalised_by = x.finalised_by,
       discarded_by = x.discarded_by, desk_finalised_at = x.desk_finalised_at, finalised_received_at = x.finalised_received_at,
       desk_discarded_at = x.desk_discarded_at, discarded_received_at = x.discarded_received_at, desk_clock_note = x.desk_clock_note, updated_at = now()
     FROM jsonb_to_recordset($1::jsonb) AS x(${RECORD_COLUMNS})
     WHERE c.trust_id = x.trust_id AND c.id = x.id`,
    [JSON.stringify(records.map(recordJson))],
  );
}

/** Marks records as changed (a new addendum) without touching what is immutable, so pulls pick them up. */
export async function touchRecords(tx: Queryable, trustId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('UPDATE call_record SET updated_at = now() WHERE trust_id = $1 AND id = ANY($2::uuid[])', [trustId, ids]);
}

export async function insertAddenda(tx: Queryable, addenda: NewAddendum[]): Promise<void> {
  if (addenda.length === 0) return;
  await tx.query(
    `INSERT INTO call_addendum (id, record_id, trust_id, client_id, text, created_at, content_hash, callback_made_at, author_id)
     SELECT id, record_id, trust_id, client_id, text, created_at, content_hash, callback_made_at, author_id
     FROM jsonb_to_recordset($1::jsonb)
       AS x(id uuid, record_id uuid, trust_id text, client_id uuid, text text, created_at timestamptz, content_hash text, callback_made_at timestamptz, author_id text)`,
    [
      JSON.stringify(
        addenda.map((a) => ({
          id: a.id, record_id: a.recordId, trust_id: a.trustId, client_id: a.clientId, text: a.text, created_at: a.createdAt, content_hash: a.contentHash,
          callback_made_at: a.callbackMadeAt, author_id: a.authorId,
        })),
      ),
    ],
  );
}
