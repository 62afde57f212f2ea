import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import type { MutationPayload } from '../../../shared/sync/protocol';

/** A change to queue: what becomes a Mutation of the sync protocol once it has its seq and id. */
export interface OutboxEntry {
  recordId: string;
  baseRevision: number | null;
  /** Desk clock when the change was made. */
  deskTime: string;
  payload: MutationPayload;
}

interface NewestEntry {
  seq: number;
  kind: MutationPayload['kind'];
  attempts: number;
  state: string;
}

/**
 * The queue of changes for the sync engine. Only ever written inside the transaction of the change
 * it describes (the caller's), so a change and its outbox entry are committed together or not at all.
 */
export class Outbox {
  private readonly newestForRecord: Database.Statement;
  private readonly replacePayload: Database.Statement;
  private readonly insert: Database.Statement;

  constructor(db: Database.Database) {
    this.newestForRecord = db.prepare('SELECT seq, kind, attempts, state FROM outbox WHERE record_id = ? ORDER BY seq DESC LIMIT 1');
    this.replacePayload = db.prepare('UPDATE outbox SET payload = ?, base_revision = ?, desk_time = ? WHERE seq = ?');
    this.insert = db.prepare(
      'INSERT INTO outbox (mutation_id, record_id, kind, payload, base_revision, desk_time) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /**
   * Queues an entry. A draft's upsert carries the whole draft, so while the newest entry for the
   * record is an upsert that has never been handed to the network (attempts = 0), the new draft
   * replaces its payload instead of queueing another: autosave every few seconds would otherwise
   * queue hundreds of superseded copies. An entry that has been attempted is never changed, because
   * the server may already have applied it under its mutation id; the sync engine must therefore
   * count the attempt (in a committed write) before it sends an entry.
   */
  enqueue(entry: OutboxEntry): void {
    const payload = JSON.stringify(entry.payload);
    if (entry.payload.kind === 'upsert') {
      const newest = this.newestForRecord.get(entry.recordId) as NewestEntry | undefined;
      if (newest && newest.kind === 'upsert' && newest.attempts === 0 && newest.state === 'pending') {
        this.replacePayload.run(payload, entry.baseRevision, entry.deskTime, newest.seq);
        return;
      }
    }
    this.insert.run(uuidv7(), entry.recordId, entry.payload.kind, payload, entry.baseRevision, entry.deskTime);
  }
}
