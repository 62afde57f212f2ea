import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Addendum, CallRecord, DraftContent, CallStatus, CallSummary, OutcomeCode } from '../../../shared/domain/call-record';
import { addendumHashFields, CALLER_TYPE_LABELS } from '../../../shared/domain/call-record';
import type { Author } from '../../../shared/domain/people';

/** A call_record row as stored. */
export interface CallRow {
  id: string;
  status: CallStatus;
  /** This desk's count of the record's versions (the screen's revision); base_revision is the server's. */
  local_revision: number;
  base_revision: number | null;
  origin_client_id: string;
  created_at: string;
  updated_at: string;
  finalised_at: string | null;
  discarded_at: string | null;
  discard_reason: string | null;
  content_hash: string | null;
  content: string;
  /** Who started it: NULL while unclaimed, or when it was started before authors were recorded. */
  created_by: string | null;
}

export interface AddendumRow {
  id: string;
  record_id: string;
  created_at: string;
  text: string;
  content_hash: string;
  callback_made_at: string | null;
  author_id: string | null;
  /** 1: written while nobody was signed in, waiting to be claimed. */
  unclaimed: number;
}

/** Who started a record, made its latest change, finalised and discarded it, and what waits to be claimed. */
export interface RecordAuthors {
  createdBy: Author | null;
  updatedBy: Author | null;
  finalisedBy: Author | null;
  discardedBy: Author | null;
  unclaimedChanges: number;
}

/** Shows a person by id: the name the desk knows for them, or their id. */
export type NameOf = (userId: string | null) => Author | null;

/** A summary as read (db/tables/call-record-sql.ts SUMMARY_COLUMNS). */
export interface SummaryRow {
  id: string;
  status: CallStatus;
  local_revision: number;
  updated_at: string;
  started_at: string;
  caller_anonymous: number | null;
  caller_type: keyof typeof CALLER_TYPE_LABELS | null;
  outcome_code: OutcomeCode | null;
  callback_due_at: string | null;
  /** 1 when the record asked for a callback not yet made: neither in the record nor, after finalising, by an addendum. */
  callback_outstanding: number;
  created_by: string | null;
  created_by_name: string | null;
}

/** RFC 8785 canonical JSON: the stored form of content, so equal content is equal text and hashes agree everywhere. */
export function canonicalJson(value: unknown): string {
  return canonicalize(value)!;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An addendum's hash covers its id, record, time and text, so none of them can change unnoticed. */
export function addendumHash(a: Omit<Addendum, 'contentHash' | 'author'>): string {
  return sha256Hex(canonicalJson(addendumHashFields(a)));
}

export function toAddendum(row: AddendumRow, nameOf: NameOf): Addendum {
  return {
    id: row.id, recordId: row.record_id, createdAt: row.created_at, text: row.text, contentHash: row.content_hash, callbackMadeAt: row.callback_made_at, author: nameOf(row.author_id),
  };
}

export function toCallRecord(row: CallRow, addenda: AddendumRow[], authors: RecordAuthors, nameOf: NameOf): CallRecord {
  return {
    id: row.id,
    status: row.status,
    revision: row.local_revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finalisedAt: row.finalised_at,
    discardedAt: row.discarded_at,
    discardReason: row.discard_reason,
    contentHash: row.content_hash,
    content: JSON.parse(row.content) as DraftContent,
    addenda: addenda.map((a) => toAddendum(a, nameOf)),
    ...authors,
  };
}

function callerLabel(row: SummaryRow): string {
  if (row.caller_anonymous) return 'Anonymous caller';
  return row.caller_type ? CALLER_TYPE_LABELS[row.caller_type] : 'Caller not yet recorded';
}

export function toCallSummary(row: SummaryRow): CallSummary {
  return {
    id: row.id,
    status: row.status,
    revision: row.local_revision,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    callerLabel: callerLabel(row),
    outcomeCode: row.outcome_code,
    // Only a callback still to be made is shown, so the list can flag those due or overdue.
    callbackDueAt: row.callback_outstanding ? row.callback_due_at : null,
    createdBy: row.created_by ? { userId: row.created_by, displayName: row.created_by_name ?? row.created_by } : null,
  };
}
