import { describe, expect, it } from 'vitest';
import { columns, deskDbAt, stepUp } from './steps-for-tests';

describe('desk.db step 8: what each stream has handed to the network, as one number', () => {
  it('carries the attempts counted before it into claimed_seq, stream by stream', () => {
    const db = deskDbAt(7);
    const stream = db.prepare("INSERT INTO sync_stream (id, author_id, next_seq, created_at) VALUES (?, ?, 5, 't')");
    stream.run('s-sent', 'u1');
    stream.run('s-none', 'u2');
    const change = db.prepare(
      "INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time, attempts, author_id, stream_id, stream_seq) VALUES (?, ?, 'upsert', '{}', 't', ?, ?, ?, ?)",
    );
    const record = db.prepare("INSERT INTO call_record (id, status, local_revision, origin_client_id, created_at, updated_at, content) VALUES (?, 'draft', 1, 'c', 't', 't', '{}')");
    for (const id of ['r0', 'r1', 'r2', 'r3', 'r9']) record.run(id);
    // u1's first three changes were claimed (one of them twice), the fourth not yet; u2's none.
    [1, 2, 1, 0].forEach((attempts, i) => change.run(`m${i}`, `r${i}`, attempts, 'u1', 's-sent', i + 1));
    change.run('m9', 'r9', 0, 'u2', 's-none', 1);

    expect(stepUp(db)).toBe(8);
    expect(columns(db, 'sync_stream')).toContain('claimed_seq');
    expect(columns(db, 'outbox')).not.toContain('attempts');
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(5);
    expect(db.prepare('SELECT id, claimed_seq FROM sync_stream ORDER BY id').all()).toEqual([
      { id: 's-none', claimed_seq: 0 },
      { id: 's-sent', claimed_seq: 3 },
    ]);
    db.close();
  });
});
