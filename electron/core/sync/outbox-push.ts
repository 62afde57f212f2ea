import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { MutationPayload, type Mutation, type PushItemResult } from '../../../shared/sync/protocol';
import { META_KEYS } from '../db/migrations';

interface OutboxRow {
  seq: number;
  mutation_id: string;
  record_id: string;
  kind: MutationPayload['kind'];
  payload: string;
  base_revision: number | null;
  desk_time: string;
}

export interface ClaimedBatch {
  mutations: Mutation[];
  /** Changes still waiting after this batch (reported to the server for team leads). */
  pendingAfter: number;
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
 * texts kept for the clinician to choose) or rejected (kept as a dead letter and shown). Nothing
 * is ever dropped, and neither a conflict nor a rejection holds up the changes behind it.
 */
export class OutboxPush {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.s = {
      oldest: db.prepare("SELECT seq, mutation_id, record_id, kind, payload, base_revision, desk_time FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?"),
      count: db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending'").pluck(),
      countAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE seq BETWEEN ? AND ?'),
      bySeq: db.prepare('SELECT seq, mutation_id, record_id, kind, payload, base_revision, desk_time FROM outbox WHERE seq = ?'),
      remove: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      setBase: db.prepare('UPDATE call_record SET base_revision = ? WHERE id = ?'),
      record: db.prepare('SELECT revision, content FROM call_record WHERE id = ?'),
      openConflict: db.prepare('SELECT id FROM conflict WHERE record_id = ? AND resolved_at IS NULL'),
      insertConflict: db.prepare(
        'INSERT INTO conflict (id, record_id, mutation_id, detected_at, local_revision, local_content, server_revision, server_content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateConflict: db.prepare('UPDATE conflict SET mutation_id = ?, detected_at = ?, local_revision = ?, local_content = ?, server_revision = ?, server_content = ? WHERE id = ?'),
      deadLetter: db.prepare('INSERT OR IGNORE INTO dead_letter (mutation_id, seq, record_id, kind, payload, reason, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
  }

  pendingCount(): number {
    return this.s.count.get() as number;
  }

  /**
   * The oldest waiting changes, counted as attempted in a committed write before they are sent:
   * from then on autosave stops rewriting them (the server may apply them under their ids).
   */
  claim(maxMutations = MAX_BATCH_MUTATIONS, maxBytes = MAX_BATCH_BYTES): ClaimedBatch | null {
    return this.db
      .transaction(() => {
        const rows = this.s.oldest.all(maxMutations) as OutboxRow[];
        const batch: OutboxRow[] = [];
        let bytes = 0;
        for (const r of rows) {
          // Bytes as sent (UTF-8), not characters: a draft of accented text is up to three times its length.
          bytes += Buffer.byteLength(r.payload) + 300;
          if (batch.length > 0 && bytes > maxBytes) break;
          batch.push(r);
        }
        if (batch.length === 0) return null;
        this.s.countAttempt.run(batch[0]!.seq, batch.at(-1)!.seq);
        return {
          mutations: batch.map(toMutation),
          pendingAfter: (this.s.count.get() as number) - batch.length,
        };
      })
      .immediate();
  }

  /** Settles the server's answer to a batch, in one transaction. */
  settle(results: readonly PushItemResult[], lastSeq: number): SettleOutcome {
    const outcome: SettleOutcome = { applied: 0, conflicts: 0, rejected: 0 };
    const at = this.now().toISOString();
    this.db
      .transaction(() => {
        for (const r of results) {
          const row = this.s.bySeq.get(r.seq) as OutboxRow | undefined;
          // Already settled (an answer to a replayed batch): nothing left to do.
          if (!row || row.mutation_id !== r.mutationId) continue;
          const end = r.status === 'duplicate' ? (r.original ?? 'applied') : r.status;
          if (end === 'applied') {
            if (r.serverRevision !== null) this.s.setBase.run(r.serverRevision, row.record_id);
            outcome.applied++;
          } else if (end === 'conflict') {
            this.keepBothVersions(row, r, at);
            outcome.conflicts++;
          } else {
            this.s.deadLetter.run(row.mutation_id, row.seq, row.record_id, row.kind, row.payload, r.reason ?? 'The server refused this change.', at);
            outcome.rejected++;
          }
          this.s.remove.run(row.seq);
        }
        this.s.setMeta.run(META_KEYS.lastAckedSeq, String(lastSeq));
      })
      .immediate();
    return outcome;
  }

  /** One open conflict per record: a later conflicting change refreshes it with the newest texts. */
  private keepBothVersions(row: OutboxRow, r: PushItemResult, at: string): void {
    const local = this.s.record.get(row.record_id) as { revision: number; content: string };
    const server = JSON.stringify(r.serverContent ?? null);
    const open = this.s.openConflict.get(row.record_id) as { id: string } | undefined;
    const serverRevision = r.serverRevision ?? 0;
    if (open) this.s.updateConflict.run(row.mutation_id, at, local.revision, local.content, serverRevision, server, open.id);
    else this.s.insertConflict.run(uuidv7(), row.record_id, row.mutation_id, at, local.revision, local.content, serverRevision, server);
  }
}

function toMutation(r: OutboxRow): Mutation {
  return {
    seq: r.seq,
    mutationId: r.mutation_id,
    recordId: r.record_id,
    baseRevision: r.base_revision,
    deskTime: r.desk_time,
    payload: MutationPayload.parse(JSON.parse(r.payload)),
  };
}
