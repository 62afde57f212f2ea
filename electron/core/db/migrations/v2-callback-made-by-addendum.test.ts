import { describe, expect, it } from 'vitest';
import { columns, deskDbAt, stepUp } from './steps-for-tests';

describe('desk.db step 2: an addendum records a callback as made', () => {
  it('adds callback_made_at to addenda, keeping those already written (without one)', () => {
    const db = deskDbAt(1);
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content, content_hash, finalised_at) VALUES ('r1', 'finalised', 2, 'c', 't', 't', '{}', 'h', 't')").run();
    db.prepare("INSERT INTO addendum (id, record_id, created_at, text, content_hash) VALUES ('a1', 'r1', 't', 'Synthetic note.', 'ah')").run();
    expect(stepUp(db)).toBe(2);
    expect(columns(db, 'addendum')).toContain('callback_made_at');
    expect(db.prepare('SELECT id, text, callback_made_at FROM addendum').all()).toEqual([{ id: 'a1', text: 'Synthetic note.', callback_made_at: null }]);
    db.prepare("INSERT INTO addendum (id, record_id, created_at, text, content_hash, callback_made_at) VALUES ('a2', 'r1', 't2', 'Called back.', 'ah2', 't2')").run();
    // Still never changed once written.
    expect(() => db.prepare("UPDATE addendum SET callback_made_at = 't3' WHERE id = 'a1'").run()).toThrow(/cannot be changed/);
    db.close();
  });
});
