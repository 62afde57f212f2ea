import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import type { MutationPayload, PushItemResult } from '../../../shared/sync/protocol';
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

/** An outbox row as a settle first reads it (OutboxRow without what lies after its payload). */
type SettledRow = Pick<OutboxRow, 'seq' | 'stream_seq' | 'mutation_id' | 'record_id' | 'kind'>;
/** A settled row with what a conflict or a refusal keeps of it. */
type KeptRow = SettledRow & Pick<OutboxRow, 'payload' | 'author_id'>;

export interface ClaimedBatch {
  /** The stream (the protocol's clientId) these mutations belong to. */
  streamId: string;
  /**
   * The PushRequest as sent: built from the payloads' stored JSON as it is, never parsed and
   * written again (the desk wrote each from a typed MutationPayload; the server validates them).
   * Parsing and re-serialising 1,000 full drafts cost the desk more than the HTTP round trips.
   */
  body: string;
  /** How many mutations the batch holds, and the stream seq of its last. */
  size: number;
  lastSeq: number;
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

/**
 * The server's largest batch (PushRequest: 500 mutations), staying well inside its 4 MiB body
 * limit too. 1,000 queued changes go in 2 requests instead of 5: each request costs a round trip,
 * a token check and a commit flushed to disk on the server and a committed claim and settle here.
 */
export const MAX_BATCH_MUTATIONS = 500;
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;

/** A push holding off desk.db's checkpoints still runs one every this many batches (some 12 MiB of WAL). */
export const CHECKPOINT_EVERY_BATCHES = 8;

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
      countAfter: outbox.countWaitingAfter,
      countAuthor: outbox.countWaitingBy,
      streams: outbox.streamsWaiting,
      byAuthor: outbox.waitingByAuthor,
      claimThrough: syncStreamSql(db).claimThrough,
      batchRows: outbox.batchToSettle,
      keptPart: outbox.keptPart,
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
   * The stream's oldest waiting changes (after `afterSeq`: a batch sent but not yet settled), claimed
   * in a committed write before they are sent (the stream's claimed_seq, migration 8): from then on
   * autosave stops rewriting them (the server may apply them under their ids).
   */
  claim(streamId: string, { afterSeq = 0, maxMutations = MAX_BATCH_MUTATIONS, maxBytes = MAX_BATCH_BYTES }: { afterSeq?: number; maxMutations?: number; maxBytes?: number } = {}): ClaimedBatch | null {
    return this.db
      .transaction(() => {
        const rows = this.s.oldest.all(streamId, afterSeq, maxMutations) as OutboxRow[];
        const batch: OutboxRow[] = [];
        let bytes = 0;
        for (const r of rows) {
          // Bytes as sent (UTF-8), not characters: a draft of accented text is up to three times its length.
          bytes += Buffer.byteLength(r.payload) + 300;
          if (batch.length > 0 && bytes > maxBytes) break;
          batch.push(r);
        }
        if (batch.length === 0) return null;
        this.s.claimThrough.run(batch.at(-1)!.stream_seq, streamId);
        const pendingAfter = this.s.countAfter.get({ stream: streamId, after: batch.at(-1)!.stream_seq }) as number;
        return claimedBatch(streamId, batch, pendingAfter);
      })
      .immediate();
  }

  /**
   * desk.db's automatic checkpoint held off while a stream is pushed, and run once the push is
   * done. Each settle of 500 answers writes some 600 pages to the WAL, so SQLite's automatic
   * checkpoint (every 1,000 pages) fell inside the second settle of a push of 1,000, in the commit
   * that the last answer waits for: 73–100 ms of copying and flushing (docs/benchmarks.md, Push).
   * The WAL is as durable either way: a killed process leaves it to be read back at the next open.
   * A long push still checkpoints every CHECKPOINT_EVERY_BATCHES batches, so the WAL stays bounded.
   * Returns the release: it restores the setting and checkpoints once the current work is done.
   */
  holdCheckpoints(): { settled(): void; release(): void } {
    const before = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.db.pragma('wal_autocheckpoint = 0');
    let batches = 0;
    let released = false;
    const checkpoint = () => {
      if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)');
    };
    return {
      settled: () => {
        if (++batches % CHECKPOINT_EVERY_BATCHES === 0) checkpoint();
      },
      release: () => {
        if (released) return;
        released = true;
        if (!this.db.open) return;
        this.db.pragma(`wal_autocheckpoint = ${before}`);
        // After the status that says the changes are through has gone out (it is sent from this turn).
        if (batches > 0) setImmediate(checkpoint);
      },
    };
  }

  /** Settles the server's answer to a batch of the stream, in one transaction. */
  settle(streamId: string, results: readonly PushItemResult[], lastSeq: number): SettleOutcome {
    const outcome: SettleOutcome = { applied: 0, conflicts: 0, rejected: 0 };
    const at = this.now().toISOString();
    // Committed without waiting for the disk (WAL, synchronous=NORMAL for this one transaction; the
    // next durable commit flushes it too): a settle lost to a power cut is only answers the server
    // keeps, and the replay brings each back with its first outcome (duplicate + original). The
    // claim before the send stays durable: autosave must never rewrite a change that went out.
    const synchronous = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      this.settleBatch(streamId, results, lastSeq, at, outcome);
    } finally {
      this.db.pragma(`synchronous = ${synchronous}`);
    }
    return outcome;
  }

  private settleBatch(streamId: string, results: readonly PushItemResult[], lastSeq: number, at: string, outcome: SettleOutcome): void {
    this.db
      .transaction(() => {
        // The batch's rows in one read, not one per answer.
        const seqs = results.map((r) => r.seq);
        const rows = results.length === 0 ? [] : (this.s.batchRows.all(streamId, Math.min(...seqs), Math.max(...seqs)) as SettledRow[]);
        const bySeq = new Map(rows.map((row) => [row.stream_seq, row]));
        const whole = (row: SettledRow): KeptRow => ({ ...row, ...(this.s.keptPart.get(row.seq) as Pick<OutboxRow, 'payload' | 'author_id'>) });
        for (const r of results) {
          const found = bySeq.get(r.seq);
          // Already settled (an answer to a replayed batch): nothing left to do.
          if (!found || found.mutation_id !== r.mutationId) continue;
          const end = r.status === 'duplicate' ? (r.original ?? 'applied') : r.status;
          const row = end === 'applied' ? found : whole(found);
          if (row.kind === 'report') {
            // A report's serverRevision is the directory version that carries it to every desk.
            // A report is never a conflict: anything but applied is kept as a refusal.
            if (end === 'applied') {
              this.reportSettled(row.record_id, { applied: true, publishedVersion: r.serverRevision });
              outcome.applied++;
            } else {
              this.reportSettled(row.record_id, { applied: false });
              const kept = row as KeptRow;
              this.s.reject.run(kept.mutation_id, kept.seq, kept.record_id, kept.kind, kept.payload, r.reason ?? 'The server rejected this report.', at, kept.author_id);
              outcome.rejected++;
            }
          } else if (end === 'applied') {
            if (r.serverRevision !== null) this.s.setBase.run(r.serverRevision, row.record_id);
            outcome.applied++;
          } else if (end === 'conflict') {
            this.keepBothVersions(row as KeptRow, r, at);
            outcome.conflicts++;
          } else {
            const kept = row as KeptRow;
            this.s.reject.run(kept.mutation_id, kept.seq, kept.record_id, kept.kind, kept.payload, r.reason ?? 'The server rejected this change.', at, kept.author_id);
            outcome.rejected++;
          }
          this.s.remove.run(row.seq);
        }
        this.s.setAcked.run(lastSeq, streamId);
      })
      .immediate();
  }

  /** One open conflict per record: a later conflicting change refreshes it with the newest texts. */
  private keepBothVersions(row: KeptRow, r: PushItemResult, at: string): void {
    const local = this.s.record.get(row.record_id) as { local_revision: number; content: string };
    const server = JSON.stringify(r.serverContent ?? null);
    const open = this.s.openConflict.get(row.record_id) as { id: string } | undefined;
    const serverRevision = r.serverRevision ?? 0;
    if (open) this.s.updateConflict.run(row.mutation_id, at, local.local_revision, local.content, serverRevision, server, row.author_id, open.id);
    else this.s.insertConflict.run(uuidv7(), row.record_id, row.mutation_id, at, local.local_revision, local.content, serverRevision, server, row.author_id);
  }
}

/** The request's JSON, written around each payload's stored text (a JSON object the desk wrote itself). */
function claimedBatch(streamId: string, rows: OutboxRow[], pendingAfter: number): ClaimedBatch {
  const items = rows.map((r) => {
    if (!r.payload.startsWith('{') || !r.payload.endsWith('}')) throw new Error(`outbox change ${r.seq}: its stored payload is not a JSON object`);
    return `{"seq":${r.stream_seq},"mutationId":${JSON.stringify(r.mutation_id)},"recordId":${JSON.stringify(r.record_id)},"baseRevision":${r.base_revision ?? 'null'},"deskTime":${JSON.stringify(r.desk_time)},"payload":${r.payload}}`;
  });
  const body = `{"clientId":${JSON.stringify(streamId)},"pending":${pendingAfter},"mutations":[${items.join(',')}]}`;
  return {
    streamId,
    body,
    size: rows.length,
    lastSeq: rows.at(-1)!.stream_seq,
    pendingAfter,
  };
}
