import { describe, expect, it } from 'vitest';
import { columns, deskDbAt, names, stepUp } from './steps-for-tests';

describe('desk.db step 7: the names the server uses', () => {
  it('renames addendum to call_addendum, the desk’s revision to local_revision and dead_letter to rejected_change, keeping every row and every guard', () => {
    const db = deskDbAt(6);
    db.prepare("INSERT INTO call_record (id, status, revision, base_revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, NULL, 'c', 't', 't', '{}')").run();
    db.prepare("INSERT INTO call_revision (record_id, revision, kind, saved_at, content) VALUES ('r1', 1, 'create', 't', '{}')").run();
    db.prepare("UPDATE call_record SET status = 'finalised', revision = 2, content_hash = 'h', finalised_at = 't', base_revision = 7 WHERE id = 'r1'").run();
    db.prepare("INSERT INTO call_revision (record_id, revision, kind, saved_at, content) VALUES ('r1', 2, 'finalise', 't', '{}')").run();
    db.prepare("INSERT INTO addendum (id, record_id, created_at, text, content_hash, unclaimed) VALUES ('a1', 'r1', 't', 'Synthetic note.', 'ah', 1)").run();
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r2', 'draft', 1, 'c', 't', 't', '{}')").run();
    db.prepare("INSERT INTO dead_letter (mutation_id, seq, record_id, kind, payload, reason, failed_at) VALUES ('m1', 1, 'r2', 'upsert', '{}', 'Synthetic reason.', 't')").run();
    const addenda = db.prepare('SELECT * FROM addendum').all();
    const rejected = db.prepare('SELECT * FROM dead_letter').all();

    expect(stepUp(db)).toBe(7);
    expect(names(db, 'table')).not.toContain('addendum');
    expect(db.prepare('SELECT * FROM call_addendum').all()).toEqual(addenda);
    expect(names(db, 'table')).not.toContain('dead_letter');
    expect(db.prepare('SELECT * FROM rejected_change').all()).toEqual(rejected);
    expect(columns(db, 'call_record')).toEqual(expect.arrayContaining(['local_revision', 'base_revision']));
    expect(columns(db, 'call_record')).not.toContain('revision');
    expect(db.prepare('SELECT id, local_revision, base_revision FROM call_record ORDER BY id').all()).toEqual([
      { id: 'r1', local_revision: 2, base_revision: 7 },
      { id: 'r2', local_revision: 1, base_revision: null },
    ]);
    expect(db.prepare('SELECT local_revision, kind FROM call_revision ORDER BY local_revision').all()).toEqual([{ local_revision: 1, kind: 'create' }, { local_revision: 2, kind: 'finalise' }]);

    // The guards follow the new names.
    expect(() => db.prepare("UPDATE call_record SET local_revision = 3 WHERE id = 'r1'").run()).toThrow(/cannot be changed/);
    expect(() => db.prepare("UPDATE call_record SET local_revision = 0 WHERE id = 'r2'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO call_revision (record_id, local_revision, kind, saved_at, content) VALUES ('r1', 2, 'edit', 't', '{}')").run()).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("UPDATE call_revision SET local_revision = 9 WHERE record_id = 'r1'").run()).toThrow(/cannot be changed/);
    expect(() => db.prepare("INSERT INTO call_addendum (id, record_id, created_at, text, content_hash) VALUES ('a2', 'r2', 't', 'x', 'h')").run()).toThrow(/only be added to finalised/);
    expect(() => db.prepare("UPDATE call_addendum SET text = 'changed'").run()).toThrow(/cannot be changed/);
    db.prepare("UPDATE call_addendum SET author_id = 'u1', unclaimed = 0 WHERE id = 'a1'").run();
    expect(() => db.prepare("DELETE FROM call_addendum WHERE id = 'a1'").run()).toThrow(/cannot be deleted/);
    expect(names(db, 'index')).toContain('addendum_by_record');
    db.close();
  });
});
