import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { CoreError } from '../../../shared/contract';
import type { MutationPayload } from '../../../shared/sync/protocol';
import { outboxSql } from '../db/tables/outbox-sql';
import { syncStreamSql } from '../db/tables/sync-stream-sql';

/** A change to queue: what becomes a Mutation of the sync protocol once it has its seq and id. */
export interface OutboxEntry {
  recordId: string;
  baseRevision: number | null;
  /** Desk clock when the change was made. */
  deskTime: string;
  payload: MutationPayload;
  /** Who made it; null when nobody was signed in (unclaimed: held until someone claims it). */
  authorId: string | null;
}

interface NewestEntry {
  seq: number;
  kind: MutationPayload['kind'];
  /** 1 once handed to the network (sync_stream.claimed_seq). */
  claimed: number;
  state: string;
  author_id: string | null;
}

/**
 * The queue of changes for the sync engine. Only ever written inside the transaction of the change
 * it describes (the caller's), so a change and its outbox entry are committed together or not at all.
 *
 * Each author's changes form a stream of their own (the protocol's clientId and seq), taken from
 * sync_stream in the same transaction, so seqs follow one another with no gap. A change made while
 * nobody was signed in gets no stream until someone claims it.
 */
export class Outbox {
  private readonly queue;
  private readonly streams;

  constructor(
    db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.queue = outboxSql(db);
    this.streams = syncStreamSql(db);
  }

  /**
   * Queues an entry. A draft's upsert carries the whole draft, so while the newest entry for the
   * record is an upsert by the same author that has never been handed to the network (beyond its
   * stream's claimed_seq), the new draft replaces its payload instead of queueing another: autosave every
   * few seconds would otherwise queue hundreds of superseded copies. An entry that has been
   * attempted is never changed, because the server may already have applied it under its mutation
   * id; the sync engine must therefore claim it (in a committed write) before it sends an entry.
   */
  enqueue(entry: OutboxEntry): void {
    const payload = JSON.stringify(entry.payload);
    if (entry.payload.kind === 'upsert') {
      const newest = this.queue.newestOfRecord.get(entry.recordId) as NewestEntry | undefined;
      if (newest && newest.kind === 'upsert' && newest.claimed === 0 && newest.state === 'pending' && newest.author_id === entry.authorId) {
        this.queue.replacePayload.run(payload, entry.baseRevision, entry.deskTime, newest.seq);
        return;
      }
    }
    const stream = entry.authorId ? this.streamFor(entry.authorId) : null;
    const seq = stream ? (this.streams.takeSeq.get(stream) as number) : null;
    this.queue.insert.run(uuidv7(), entry.recordId, entry.payload.kind, payload, entry.baseRevision, entry.deskTime, entry.authorId, stream, seq);
  }

  /**
   * Files the unclaimed changes of these records under their author, in the order they were made,
   * in the caller's transaction. Changes queued before authors were recorded share one stream the
   * server already numbers, so they can only be claimed together. Returns how many were claimed.
   */
  claim(recordIds: readonly string[], authorId: string): number {
    const ids = JSON.stringify([...new Set(recordIds)]);
    const legacy = this.queue.legacyRecords.all() as string[];
    const chosen = new Set(recordIds);
    if (legacy.some((id) => chosen.has(id)) && !legacy.every((id) => chosen.has(id))) {
      const message = `${legacy.length} records were queued on this desk before it recorded who made changes: they can only be claimed together.`;
      throw new CoreError('invalid_params', message, [{ field: 'recordIds', message }]);
    }
    const rows = this.queue.unclaimedOf.all(ids) as { seq: number; record_id: string; stream_id: string | null }[];
    let stream: string | null = null;
    for (const r of rows) {
      if (r.stream_id) {
        this.queue.claimInPlace.run(authorId, r.seq);
      } else {
        stream ??= this.streamFor(authorId);
        this.queue.claimIntoStream.run(authorId, stream, this.streams.takeSeq.get(stream) as number, r.seq);
      }
    }
    if (rows.some((r) => r.stream_id)) this.streams.claimLegacy.run(authorId);
    return rows.length;
  }

  private streamFor(authorId: string): string {
    const existing = this.streams.ofAuthor.get(authorId) as string | undefined;
    if (existing) return existing;
    const id = uuidv7();
    this.streams.insert.run(id, authorId, this.now().toISOString());
    return id;
  }
}
