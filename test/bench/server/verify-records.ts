import canonicalize from 'canonicalize';
import type { Db } from '../../../server/src/db/db';
import type { ExpectedRecord, SimulatedDesk } from './simulated-desk';

export interface Verification {
  desks: number;
  expectedRecords: number;
  expectedAddenda: number;
  /** Records, addenda and desks whose server state differs from what the desks wrote, with what differs (the first few). */
  problems: string[];
  problemCount: number;
  ok: boolean;
}

interface RecordRow {
  id: string;
  origin_client_id: string;
  status: string;
  revision: number;
  content: unknown;
  content_hash: string | null;
  finalised_at: Date | null;
  discarded_at: Date | null;
  discard_reason: string | null;
}

interface AddendumRow {
  id: string;
  record_id: string;
  text: string;
  created_at: Date;
  content_hash: string;
}

const same = (a: unknown, b: unknown) => canonicalize(a) === canonicalize(b);
const time = (d: Date | null) => (d ? d.getTime() : null);
const parsed = (iso: string | null) => (iso ? Date.parse(iso) : null);

/**
 * Compares what the server's database holds for these desks' client ids with what the desks
 * wrote: the same set of records, each with the same status, revision, content, hash, times and
 * addenda, and every desk's last seq recorded. A benchmark that loses or bends data proves nothing.
 */
export async function verifyRecords(db: Db, desks: readonly SimulatedDesk[]): Promise<Verification> {
  const clientIds = desks.map((d) => d.clientId);
  const expected = new Map<string, ExpectedRecord>();
  for (const d of desks) for (const [id, r] of d.expected) expected.set(id, r);
  const rows = await db.query<RecordRow>(
    `SELECT id, origin_client_id, status, revision, content, content_hash, finalised_at, discarded_at, discard_reason
     FROM call_record WHERE origin_client_id = ANY($1::uuid[])`,
    [clientIds],
  );
  const addenda = await db.query<AddendumRow>('SELECT id, record_id, text, created_at, content_hash FROM call_addendum WHERE client_id = ANY($1::uuid[])', [clientIds]);
  const clients = await db.query<{ client_id: string; last_seq: number }>('SELECT client_id, last_seq FROM sync_client WHERE client_id = ANY($1::uuid[])', [clientIds]);

  const problems: string[] = [];
  const found = new Map(rows.map((r) => [r.id, r]));
  for (const [id, want] of expected) {
    const got = found.get(id);
    if (!got) {
      problems.push(`record ${id}: missing`);
      continue;
    }
    const differs = [
      got.status !== want.status && 'status',
      got.revision !== want.revision && 'revision',
      !same(got.content, want.content) && 'content',
      got.content_hash !== want.contentHash && 'content hash',
      time(got.finalised_at) !== parsed(want.finalisedAt) && 'finalised at',
      time(got.discarded_at) !== parsed(want.discardedAt) && 'discarded at',
      got.discard_reason !== want.discardReason && 'discard reason',
    ].filter(Boolean);
    if (differs.length > 0) problems.push(`record ${id}: ${differs.join(', ')} differ`);
  }
  for (const id of found.keys()) if (!expected.has(id)) problems.push(`record ${id}: on the server but never written`);

  const wantAddenda = new Map([...expected.values()].flatMap((r) => r.addenda.map((a) => [a.id, { ...a, recordId: r.id }] as const)));
  const gotAddenda = new Map(addenda.map((a) => [a.id, a]));
  for (const [id, want] of wantAddenda) {
    const got = gotAddenda.get(id);
    if (!got) problems.push(`addendum ${id}: missing`);
    else if (got.record_id !== want.recordId || got.text !== want.text || got.content_hash !== want.contentHash || got.created_at.getTime() !== Date.parse(want.createdAt)) {
      problems.push(`addendum ${id}: differs`);
    }
  }
  for (const id of gotAddenda.keys()) if (!wantAddenda.has(id)) problems.push(`addendum ${id}: on the server but never written`);

  const lastSeq = new Map(clients.map((c) => [c.client_id, c.last_seq]));
  for (const d of desks) {
    if ((lastSeq.get(d.clientId) ?? 0) !== d.lastSeq) problems.push(`desk ${d.clientId}: server's last seq ${lastSeq.get(d.clientId) ?? 'none'}, desk's ${d.lastSeq}`);
  }
  return { desks: desks.length, expectedRecords: expected.size, expectedAddenda: wantAddenda.size, problems: problems.slice(0, 10), problemCount: problems.length, ok: problems.length === 0 };
}
