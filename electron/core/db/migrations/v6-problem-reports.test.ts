import { describe, expect, it } from 'vitest';
import { deskDbAt, stepUp } from './steps-for-tests';

const discard = JSON.stringify({ kind: 'discard', reason: 'Synthetic.', discardedAt: '2026-01-01T00:00:00.000Z' });

describe('desk.db step 6: problem reports', () => {
  it('rebuilds the outbox keeping its rows and its numbering, and lets it carry reports', () => {
    const db = deskDbAt(5);
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, 'c', 't', 't', '{}')").run();
    for (const seq of [1, 2, 3]) {
      db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time, attempts, author_id) VALUES (?, 'r1', 'discard', ?, 't', ?, 'u1')").run(`m${seq}`, discard, seq - 1);
    }
    // The newest entry was sent and settled: its number is never given again.
    db.prepare('DELETE FROM outbox WHERE seq = 3').run();
    const before = db.prepare('SELECT * FROM outbox ORDER BY seq').all();
    expect(stepUp(db)).toBe(6);
    expect(db.prepare('SELECT * FROM outbox ORDER BY seq').all()).toEqual(before);
    db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m4', 'r1', 'discard', ?, 't')").run(discard);
    expect(db.prepare("SELECT seq FROM outbox WHERE mutation_id = 'm4'").pluck().get()).toBe(4);

    db.prepare("INSERT INTO problem_report (id, service_id, service_name, kind, reported_at, author_id) VALUES ('p1', 's1', 'Synthetic service', 'other', 't', 'u1')").run();
    db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m5', 'p1', 'report', '{}', 't')").run();
    expect(() => db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m6', 'nope', 'report', '{}', 't')").run()).toThrow(/must name/);
    expect(() => db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m7', 'p1', 'upsert', '{}', 't')").run()).toThrow(/must name/);
    expect(() => db.prepare("UPDATE outbox SET record_id = 'p1' WHERE mutation_id = 'm4'").run()).toThrow(/never changes/);
    expect(() => db.prepare("DELETE FROM problem_report WHERE id = 'p1'").run()).toThrow(/never deleted/);
    db.close();
  });

  it('keeps the high-water mark of an outbox emptied before it', () => {
    const db = deskDbAt(5);
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, 'c', 't', 't', '{}')").run();
    db.prepare("INSERT INTO outbox (seq, mutation_id, record_id, kind, payload, desk_time) VALUES (41, 'm41', 'r1', 'discard', ?, 't')").run(discard);
    db.prepare('DELETE FROM outbox').run();
    expect(stepUp(db)).toBe(6);
    db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m42', 'r1', 'discard', ?, 't')").run(discard);
    expect(db.prepare('SELECT seq FROM outbox').pluck().get()).toBe(42);
    db.close();
  });
});
