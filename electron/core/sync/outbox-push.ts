import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { MutationPayload, type Mutation, type PushItemResult } from '../../../shared/sync/protocol';
import { callRecordSql } from '../db/tables/call-record-sql';
import { conflictSql } from '../db/tables/conflict-sql';
import { outboxSql } from '../db/tables/outbox-sql';
import { rejectionSql } from '../db/tables/rejection-sql';
import { syncStreamSql } from '../db/tables/sync-stream-sql';

interface OutboxRow {
  seq: number;
  /** The protocol's seq, within the stream. */
  stream_seq: number;
  author_id: string | null;
  mutation_id: string;
  record_id: string;
  kind: MutationPayload['kind'];
  payload: string;
  base_revision: number | null;
  desk_time: string;
}

export interface ClaimedBatch {
  /** The stream (the protocol's clientId) these mutations belong to. */
  streamId: string;
  mutations: Mutation[];
  /** The stream's changes still waiting after this batch (reported to the server for team leads). */
  pendingAfter: number;
}

/** An author's stream with changes waiting to be sent. */
export interface PendingStream {
  streamId: string;
  authorId: string;
  waiting: number;
}

export interface SettleOutcome {
  applied: number;
  conflicts: number;
  rejected: number;
}

/** Server limits: a batch holds at most 500 mutations; stay well inside its 4 MiB body limit too. */
export const MAX_BATCH_MUTATIONS = 200;
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

/**
 * The outbox as the sync engine sees it: claims the oldest changes as a batch and settles the
 * server's answer for each. Every change gets exactly one of three ends, all in one transaction
 * with its removal from the queue: applied (the record learns its server revision), conflict (both
 * texts kept for the clinician to choose) or rejected (kept as a rejection and shown). Nothing
 * is ever dropped, and neither a conflict nor a rejection holds up the changes behind it.
 *
 * Changes go out stream by stream: each author's in their own, sent only under their session.
 * Unclaimed changes (made while nobody was signed in) are in no stream yet and never sent.
 */
/** Told, inside the settle transaction, how the server answered a report of a directory problem. */
export type ReportSettled = (reportId: string, outcome: { applied: true; publishedVersion: number | null } | { applied: false }) => void;

export class OutboxPush {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    private readonly reportSettled: ReportSettled = () => {},
  ) {
    const outbox = outboxSql(db);
    const conflicts = conflictSql(db);
    this.s = {
      oldest: outbox.oldestInStream,
      count: outbox.countWaiting,
      countStream: outbox.countWaitingInStream,
      countAuthor: outbox.countWaitingBy,
      streams: outbox.streamsWaiting,
      byAuthor: outbox.waitingByAuthor,
      countAttempt: outbox.countAttempt,
      byStreamSeq: outbox.byStreamSeq,
      remove: outbox.remove,
      setBase: callRecordSql(db).setBaseRevision,
      record: callRecordSql(db).revisionAndContent,
      openConflict: conflicts.openOfRecord,
      insertConflict: conflicts.insert,
      updateConflict: conflicts.refresh,
      reject: rejectionSql(db).insert,
      setAcked: syncStreamSql(db).setAcked,
    };
  }

  pendingCount(): number {
    return this.s.count.get() as number;
  }

  /** Changes waiting by this author (null: the unclaimed ones). */
  pendingFor(authorId: string | null): number {
    return this.s.countAuthor.get(authorId) as number;
  }

  /** Streams with changes waiting, the one with the oldest change first. */
  streams(): PendingStream[] {
    return this.s.streams.all() as PendingStream[];
  }

  /** Changes waiting, by author (null: unclaimed), the author of the oldest change first. */
  waitingByAuthor(): { authorId: string | null; waiting: number }[] {
    return this.s.byAuthor.all() as { authorId: string | null; waiting: number }[];
  }

  /**
   * The stream's oldest waiting changes, counted as attempted in a committed write before they are
   * sent: from then on autosave stops rewriting them (the server may apply them under their ids).
   */
  claim(streamId: string, maxMutations = MAX_BATCH_MUTATIONS, maxBytes = MAX_BATCH_BYTES): ClaimedBatch | null {
    return this.db
      .transaction(() => {
        const rows = this.s.oldest.all(streamId, maxMutations) as OutboxRow[];
        const batch: OutboxRow[] = [];
        let bytes = 0;
        for (const r of rows) {
          // Bytes as sent (UTF-8), not characters: a draft of accented text is up to three times its length.
          bytes += Buffer.byteLength(r.payload) + 300;
          if (batch.length > 0 && bytes > maxBytes) break;
          batch.push(r);
        }
        if (batch.length === 0) return null;
        this.s.countAttempt.run(streamId, batch[0]!.stream_seq, batch.at(-1)!.stream_seq);
        return {
          streamId,
          mutations: batch.map(toMutation),
          pendingAfter: (this.s.countStream.get(streamId) as number) - batch.length,
        };
      })
      .immediate();
  }

  /** Settles the server's answer to a batch of the stream, in one transaction. */
  settle(streamId: string, results: readonly PushItemResult[], lastSeq: number): SettleOutcome {
    const outcome: SettleOutcome = { applied: 0, conflicts: 0, rejected: 0 };
    const at = this.now().toISOString();
    this.db
      .transaction(() => {
        for (const r of results) {
          const row = this.s.byStreamSeq.get(streamId, r.seq) as OutboxRow | undefined;
          // Already settled (an answer to a replayed batch): nothing left to do.
          if (!row || row.mutation_id !== r.mutationId) continue;
          const end = r.status === 'duplicate' ? (r.original ?? 'applied') : r.status;
          if (row.kind === 'report') {
            // A report's serverRevision is the directory version that carries it to every desk.
            // A report is never a conflict: anything but applied is kept as a refusal.
            if (end === 'applied') {
              this.reportSettled(row.record_id, { applied: true, publishedVersion: r.serverRevision });
              outcome.applied++;
            } else {
              this.reportSettled(row.record_id, { applied: false });
              this.s.reject.run(row.mutation_id, row.seq, row.record_id, row.kind, row.payload, r.reason ?? 'The server rejected this report.', at, row.author_id);
              outcome.rejected++;
            }
          } else if (end === 'applied') {
            if (r.serverRevision !== null) this.s.setBase.run(r.serverRevision, row.record_id);
            outcome.applied++;
          } else if (end === 'conflict') {
            this.keepBothVersions(row, r, at);
            outcome.conflicts++;
          } else {
            this.s.reject.run(row.mutation_id, row.seq, row.record_id, row.kind, row.payload, r.reason ?? 'The server rejected this change.', at, row.author_id);
            outcome.rejected++;
          }
          this.s.remove.run(row.seq);
        }
        this.s.setAcked.run(lastSeq, streamId);
      })
      .immediate();
    return outcome;
  }

  /** One open conflict per record: a later conflicting change refreshes it with the newest texts. */
  private keepBothVersions(row: OutboxRow, r: PushItemResult, at: string): void {
    const local = this.s.record.get(row.record_id) as { local_revision: number; content: string };
    const server = JSON.stringify(r.serverContent ?? null);
    const open = this.s.openConflict.get(row.record_id) as { id: string } | undefined;
    const serverRevision = r.serverRevision ?? 0;
    if (open) this.s.updateConflict.run(row.mutation_id, at, local.local_revision, local.content, serverRevision, server, row.author_id, open.id);
    else this.s.insertConflict.run(uuidv7(), row.record_id, row.mutation_id, at, local.local_revision, local.content, serverRevision, server, row.author_id);
  }
}

function toMutation(r: OutboxRow): Mutation {
  return {
    seq: r.stream_seq,
    mutationId: r.mutation_id,
    recordId: r.record_id,
    baseRevision: r.base_revision,
    deskTime: r.desk_time,
    payload: MutationPayload.parse(JSON.parse(r.payload)),
  };
}
