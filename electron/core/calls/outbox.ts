import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { CoreError } from '../../../shared/contract';
import type { MutationPayload } from '../../../shared/sync/protocol';

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
  attempts: number;
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
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.s = {
      newestForRecord: db.prepare('SELECT seq, kind, attempts, state, author_id FROM outbox WHERE record_id = ? ORDER BY seq DESC LIMIT 1'),
      replacePayload: db.prepare('UPDATE outbox SET payload = ?, base_revision = ?, desk_time = ? WHERE seq = ?'),
      insert: db.prepare(
        'INSERT INTO outbox (mutation_id, record_id, kind, payload, base_revision, desk_time, author_id, stream_id, stream_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      streamOf: db.prepare('SELECT id FROM sync_stream WHERE author_id = ? AND legacy = 0').pluck(),
      newStream: db.prepare('INSERT INTO sync_stream (id, author_id, created_at) VALUES (?, ?, ?)'),
      takeSeq: db.prepare('UPDATE sync_stream SET next_seq = next_seq + 1 WHERE id = ? RETURNING next_seq - 1 AS seq').pluck(),
      unclaimed: db.prepare(
        `SELECT o.seq, o.record_id, o.stream_id FROM outbox o JOIN json_each(?) ids ON ids.value = o.record_id
         WHERE o.author_id IS NULL AND o.state = 'pending' ORDER BY o.seq`,
      ),
      legacyRecords: db.prepare(
        "SELECT DISTINCT o.record_id FROM outbox o JOIN sync_stream s ON s.id = o.stream_id WHERE s.legacy = 1 AND o.author_id IS NULL AND o.state = 'pending'",
      ).pluck(),
      claimIntoStream: db.prepare('UPDATE outbox SET author_id = ?, stream_id = ?, stream_seq = ? WHERE seq = ?'),
      claimInPlace: db.prepare('UPDATE outbox SET author_id = ? WHERE seq = ?'),
      claimLegacyStream: db.prepare('UPDATE sync_stream SET author_id = ? WHERE legacy = 1 AND author_id IS NULL'),
    };
  }

  /**
   * Queues an entry. A draft's upsert carries the whole draft, so while the newest entry for the
   * record is an upsert by the same author that has never been handed to the network
   * (attempts = 0), the new draft replaces its payload instead of queueing another: autosave every
   * few seconds would otherwise queue hundreds of superseded copies. An entry that has been
   * attempted is never changed, because the server may already have applied it under its mutation
   * id; the sync engine must therefore count the attempt (in a committed write) before it sends an entry.
   */
  enqueue(entry: OutboxEntry): void {
    const payload = JSON.stringify(entry.payload);
    if (entry.payload.kind === 'upsert') {
      const newest = this.s.newestForRecord.get(entry.recordId) as NewestEntry | undefined;
      if (newest && newest.kind === 'upsert' && newest.attempts === 0 && newest.state === 'pending' && newest.author_id === entry.authorId) {
        this.s.replacePayload.run(payload, entry.baseRevision, entry.deskTime, newest.seq);
        return;
      }
    }
    const stream = entry.authorId ? this.streamFor(entry.authorId) : null;
    const seq = stream ? (this.s.takeSeq.get(stream) as number) : null;
    this.s.insert.run(uuidv7(), entry.recordId, entry.payload.kind, payload, entry.baseRevision, entry.deskTime, entry.authorId, stream, seq);
  }

  /**
   * Files the unclaimed changes of these records under their author, in the order they were made,
   * in the caller's transaction. Changes queued before authors were recorded share one stream the
   * server already numbers, so they can only be claimed together. Returns how many were claimed.
   */
  claim(recordIds: readonly string[], authorId: string): number {
    const ids = JSON.stringify([...new Set(recordIds)]);
    const legacy = this.s.legacyRecords.all() as string[];
    const chosen = new Set(recordIds);
    if (legacy.some((id) => chosen.has(id)) && !legacy.every((id) => chosen.has(id))) {
      const message = `${legacy.length} records were queued on this desk before it recorded who made changes: they can only be claimed together.`;
      throw new CoreError('invalid_params', message, [{ field: 'recordIds', message }]);
    }
    const rows = this.s.unclaimed.all(ids) as { seq: number; record_id: string; stream_id: string | null }[];
    let stream: string | null = null;
    for (const r of rows) {
      if (r.stream_id) {
        this.s.claimInPlace.run(authorId, r.seq);
      } else {
        stream ??= this.streamFor(authorId);
        this.s.claimIntoStream.run(authorId, stream, this.s.takeSeq.get(stream) as number, r.seq);
      }
    }
    if (rows.some((r) => r.stream_id)) this.s.claimLegacyStream.run(authorId);
    return rows.length;
  }

  private streamFor(authorId: string): string {
    const existing = this.s.streamOf.get(authorId) as string | undefined;
    if (existing) return existing;
    const id = uuidv7();
    this.s.newStream.run(id, authorId, this.now().toISOString());
    return id;
  }
}
