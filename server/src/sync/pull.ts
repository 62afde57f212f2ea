import type { DraftContent, CallStatus } from '../../../shared/domain/call-record';
import type { Author } from '../../../shared/domain/people';
import type { PullResponse, ServerCallRecord } from '../../../shared/sync/protocol';
import type { Queryable } from '../db/db';
import { decodeRecordCursor, encodeRecordCursor } from './record-cursor';

/** Whose records a caller may read: a team lead their team's, a clinician their own. Always within the trust. */
export type RecordScope = { trustId: string } & ({ teamId: string } | { clinicianId: string });

interface PulledRow {
  id: string;
  last_client_id: string;
  clinician_id: string;
  team_id: string;
  status: CallStatus;
  revision: number;
  content: DraftContent;
  content_hash: string | null;
  finalised_at: Date | null;
  discarded_at: Date | null;
  discard_reason: string | null;
  updated_at: Date;
  change_seq: number;
  created_by: Author | null;
  updated_by: Author | null;
  finalised_by: Author | null;
  discarded_by: Author | null;
}

interface AddendumRow {
  id: string;
  record_id: string;
  text: string;
  created_at: Date;
  content_hash: string;
  callback_made_at: Date | null;
  author: Author | null;
}

/** Who a user column names, with the name to show: null when the column is. */
const author = (column: string) =>
  `(SELECT json_build_object('userId', u.id, 'displayName', u.display_name) FROM app_user u WHERE u.id = ${column})`;

/**
 * The records in scope changed since the cursor, oldest change first. change_seq follows commit
 * order within a trust (migration 2), so a record committed after a pull always has a higher
 * number than the cursor that pull returned.
 */
export async function pullRecords(db: Queryable, scope: RecordScope, cursor: string | undefined, limit: number): Promise<PullResponse> {
  const since = decodeRecordCursor(cursor);
  const [column, owner] = 'teamId' in scope ? ['team_id', scope.teamId] : ['clinician_id', scope.clinicianId];
  const rows = await db.query<PulledRow>(
    `SELECT id, last_client_id, clinician_id, team_id, status, revision, content, content_hash, finalised_at, discarded_at, discard_reason, updated_at, change_seq,
            ${author('created_by')} AS created_by, ${author('updated_by')} AS updated_by, ${author('finalised_by')} AS finalised_by, ${author('discarded_by')} AS discarded_by
     FROM call_record WHERE trust_id = $1 AND ${column} = $2 AND change_seq > $3
     ORDER BY change_seq LIMIT $4`,
    [scope.trustId, owner, since, limit + 1],
  );
  const page = rows.slice(0, limit);
  const addenda = page.length === 0 ? [] : await db.query<AddendumRow>(
    `SELECT id, record_id, text, created_at, content_hash, callback_made_at, ${author('author_id')} AS author
     FROM call_addendum WHERE trust_id = $1 AND record_id = ANY($2::uuid[]) ORDER BY created_at, id`,
    [scope.trustId, page.map((r) => r.id)],
  );
  const byRecord = new Map<string, AddendumRow[]>();
  for (const a of addenda) byRecord.set(a.record_id, [...(byRecord.get(a.record_id) ?? []), a]);
  return {
    records: page.map((r) => toServerRecord(r, byRecord.get(r.id) ?? [])),
    cursor: encodeRecordCursor(page.at(-1)?.change_seq ?? since),
    more: rows.length > limit,
  };
}

function toServerRecord(r: PulledRow, addenda: AddendumRow[]): ServerCallRecord {
  return {
    id: r.id,
    lastClientId: r.last_client_id,
    clinicianId: r.clinician_id,
    teamId: r.team_id,
    status: r.status,
    revision: r.revision,
    content: r.content,
    contentHash: r.content_hash,
    finalisedAt: r.finalised_at?.toISOString() ?? null,
    discardedAt: r.discarded_at?.toISOString() ?? null,
    discardReason: r.discard_reason,
    addenda: addenda.map((a) => ({
      id: a.id, text: a.text, createdAt: a.created_at.toISOString(), contentHash: a.content_hash, callbackMadeAt: a.callback_made_at?.toISOString() ?? null, author: a.author,
    })),
    updatedAt: r.updated_at.toISOString(),
    createdBy: r.created_by,
    updatedBy: r.updated_by,
    finalisedBy: r.finalised_by,
    discardedBy: r.discarded_by,
  };
}
