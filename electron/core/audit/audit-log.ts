import { createHmac } from 'node:crypto';
import type Database from 'better-sqlite3-multiple-ciphers';
import canonicalize from 'canonicalize';
import type { AuditVerification } from '../../../shared/contract';

export type AuditAction = 'create' | 'view' | 'edit' | 'finalise' | 'addendum' | 'discard' | 'export' | 'claim' | 'sign_in' | 'sign_out' | 'report';

/** What happened, to which record: ids, revision numbers and flags only, never patient data. */
export interface AuditEntry {
  action: AuditAction;
  recordId?: string;
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditRow {
  seq: number;
  at: string;
  action: string;
  record_id: string | null;
  detail: string;
  prev_mac: string;
  mac: string;
}

const GENESIS = '0'.repeat(64);

/**
 * The desk's audit trail: append-only (triggers refuse UPDATE and DELETE) and chained, each entry
 * carrying the previous entry's MAC and an HMAC over that and its own fields including its seq.
 * Editing, removing or reordering entries therefore breaks the chain, and rebuilding the chain
 * needs the MAC key, not just a hash function.
 */
export class AuditLog {
  private readonly nextSeq: Database.Statement;
  private readonly lastMac: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly appendTx: (e: AuditEntry) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly macKey: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {
    // sqlite_sequence remembers the highest seq ever used, so a removed last entry leaves a gap.
    this.nextSeq = db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit'), 0) + 1").pluck();
    this.lastMac = db.prepare('SELECT mac FROM audit ORDER BY seq DESC LIMIT 1').pluck();
    this.insert = db.prepare('INSERT INTO audit (seq, at, action, record_id, detail, prev_mac, mac) VALUES (?, ?, ?, ?, ?, ?, ?)');
    // A nested call (inside a caller's transaction) becomes a savepoint of that transaction.
    this.appendTx = db.transaction((e: AuditEntry) => {
      const seq = this.nextSeq.get() as number;
      const prevMac = (this.lastMac.get() as string | undefined) ?? GENESIS;
      const at = this.now().toISOString();
      const detail = canonicalize(e.detail ?? {})!;
      const recordId = e.recordId ?? null;
      this.insert.run(seq, at, e.action, recordId, detail, prevMac, this.mac(prevMac, { seq, at, action: e.action, recordId, detail }));
    });
  }

  append(e: AuditEntry): void {
    this.appendTx(e);
  }

  verify(): AuditVerification {
    const entries = this.db.prepare('SELECT count(*) FROM audit').pluck().get() as number;
    const highestSeq = (this.nextSeq.get() as number) - 1;
    const broken = (seq: number, reason: string): AuditVerification => ({ ok: false, entries, brokenAt: seq, reason });

    let expectedSeq = 1;
    let prevMac = GENESIS;
    for (const row of this.db.prepare('SELECT seq, at, action, record_id, detail, prev_mac, mac FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
      if (row.seq !== expectedSeq) return broken(expectedSeq, `Audit entry ${expectedSeq} is missing.`);
      if (row.prev_mac !== prevMac) return broken(row.seq, `Audit entry ${row.seq} does not follow the entry before it.`);
      const expected = this.mac(row.prev_mac, { seq: row.seq, at: row.at, action: row.action, recordId: row.record_id, detail: row.detail });
      if (row.mac !== expected) return broken(row.seq, `Audit entry ${row.seq} has been altered.`);
      prevMac = row.mac;
      expectedSeq++;
    }
    if (highestSeq >= expectedSeq) return broken(expectedSeq, `Audit entries from ${expectedSeq} to ${highestSeq} are missing.`);
    return { ok: true, entries, brokenAt: null, reason: null };
  }

  private mac(prevMac: string, fields: { seq: number; at: string; action: string; recordId: string | null; detail: string }): string {
    return createHmac('sha256', this.macKey).update(`${prevMac}\n${canonicalize(fields)!}`).digest('hex');
  }
}
