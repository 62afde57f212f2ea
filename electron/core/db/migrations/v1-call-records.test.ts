import { describe, expect, it } from 'vitest';
import { deskDbAt, names, stepUp } from './steps-for-tests';

describe('desk.db step 1: call records', () => {
  it('makes an empty file the first schema, whose history no SQL can change', () => {
    const db = deskDbAt(0);
    expect(stepUp(db)).toBe(1);
    expect(names(db, 'table')).toEqual(['addendum', 'audit', 'call_record', 'call_revision', 'conflict', 'dead_letter', 'meta', 'outbox', 'sqlite_sequence']);

    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, 'c', 't', 't', '{}')").run();
    db.prepare("INSERT INTO call_revision (record_id, revision, kind, saved_at, content) VALUES ('r1', 1, 'create', 't', '{}')").run();
    expect(() => db.prepare("INSERT INTO addendum (id, record_id, created_at, text, content_hash) VALUES ('a1', 'r1', 't', 'x', 'h')").run()).toThrow(/only be added to finalised/);
    db.prepare("UPDATE call_record SET status = 'finalised', content_hash = 'h', finalised_at = 't' WHERE id = 'r1'").run();
    expect(() => db.prepare("UPDATE call_record SET content = '{\"a\":1}' WHERE id = 'r1'").run()).toThrow(/cannot be changed/);
    // Only the server's revision may still change on a finalised record.
    db.prepare("UPDATE call_record SET base_revision = 4 WHERE id = 'r1'").run();
    expect(() => db.prepare("DELETE FROM call_record WHERE id = 'r1'").run()).toThrow(/never deleted/);
    expect(() => db.prepare("UPDATE call_revision SET content = 'x'").run()).toThrow(/cannot be changed/);
    db.prepare("INSERT INTO addendum (id, record_id, created_at, text, content_hash) VALUES ('a1', 'r1', 't', 'x', 'h')").run();
    expect(() => db.prepare("DELETE FROM addendum WHERE id = 'a1'").run()).toThrow(/cannot be deleted/);
    db.prepare("INSERT INTO audit (at, action, detail, prev_mac, mac) VALUES ('t', 'view', '{}', '', 'm')").run();
    expect(() => db.prepare("UPDATE audit SET action = 'edit'").run()).toThrow(/append-only/);
    expect(() => db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r2', 'finalised', 1, 'c', 't', 't', '{}')").run()).toThrow(/CHECK/);
    db.close();
  });
});
