import { describe, expect, it } from 'vitest';
import { columns, deskDbAt, stepUp } from './steps-for-tests';

const discard = JSON.stringify({ kind: 'discard', reason: 'Synthetic.', discardedAt: '2026-01-01T00:00:00.000Z' });

describe('desk.db step 4: who made each change', () => {
  it('puts the changes already queued in the desk’s first stream, numbered as before, and leaves history unclaimed-but-unrecorded', () => {
    const db = deskDbAt(3);
    const clientId = '0190f0f0-0000-7000-8000-0000000000c1';
    db.prepare("INSERT INTO meta (key, value) VALUES ('client_id', ?), ('sync.last_acked_seq', '2')").run(clientId);
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, ?, 't', 't', '{}')").run(clientId);
    db.prepare("INSERT INTO call_revision (record_id, revision, kind, saved_at, content) VALUES ('r1', 1, 'create', 't', '{}')").run();
    for (const seq of [3, 4]) {
      db.prepare("INSERT INTO outbox (seq, mutation_id, record_id, kind, payload, desk_time) VALUES (?, ?, 'r1', 'discard', ?, 't')").run(seq, `m${seq}`, discard);
    }
    expect(stepUp(db)).toBe(4);
    expect(db.prepare('SELECT id, author_id, legacy, next_seq, acked_seq FROM sync_stream').all()).toEqual([{ id: clientId, author_id: null, legacy: 1, next_seq: 5, acked_seq: 2 }]);
    expect(db.prepare('SELECT seq, stream_id, stream_seq, author_id FROM outbox ORDER BY seq').all()).toEqual([
      { seq: 3, stream_id: clientId, stream_seq: 3, author_id: null },
      { seq: 4, stream_id: clientId, stream_seq: 4, author_id: null },
    ]);
    expect(columns(db, 'call_record')).toContain('created_by');
    // Made before authors were recorded: not recorded, and not waiting to be claimed.
    expect(db.prepare('SELECT author_id, unclaimed FROM call_revision').all()).toEqual([{ author_id: null, unclaimed: 0 }]);
    expect(() => db.prepare("UPDATE call_revision SET author_id = 'u1', unclaimed = 0").run()).toThrow(/cannot be changed/);
    db.close();
  });

  it('lets an unclaimed revision be claimed once, and fixes who started a record once known', () => {
    const db = deskDbAt(3);
    expect(stepUp(db)).toBe(4);
    expect(db.prepare('SELECT count(*) FROM sync_stream').pluck().get()).toBe(0);
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, 'c', 't', 't', '{}')").run();
    db.prepare("INSERT INTO call_revision (record_id, revision, kind, saved_at, content, unclaimed) VALUES ('r1', 1, 'create', 't', '{}', 1)").run();
    db.prepare("UPDATE call_revision SET author_id = 'u1', unclaimed = 0 WHERE record_id = 'r1'").run();
    expect(() => db.prepare("UPDATE call_revision SET author_id = 'u2' WHERE record_id = 'r1'").run()).toThrow(/cannot be changed/);
    db.prepare("UPDATE call_record SET created_by = 'u1' WHERE id = 'r1'").run();
    expect(() => db.prepare("UPDATE call_record SET created_by = 'u2' WHERE id = 'r1'").run()).toThrow(/never changes/);
    db.prepare("INSERT INTO sync_stream (id, author_id, created_at) VALUES ('s1', 'u1', 't')").run();
    expect(() => db.prepare("INSERT INTO sync_stream (id, author_id, created_at) VALUES ('s2', 'u1', 't')").run()).toThrow(/UNIQUE/);
    db.close();
  });
});
