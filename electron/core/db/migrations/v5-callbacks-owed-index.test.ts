import { describe, expect, it } from 'vitest';
import { deskDbAt, names, stepUp } from './steps-for-tests';

describe('desk.db step 5: the index of callbacks owed', () => {
  it('replaces the narrower index of step 3, and the summary’s query of callbacks owed uses it', () => {
    const db = deskDbAt(4);
    const content = JSON.stringify({ startedAt: '2026-01-01T10:00:00Z', callback: { required: true, completedAt: null } });
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, 'c', 't', 't', ?)").run(content);
    expect(names(db, 'index')).toContain('call_record_callback_open');
    expect(stepUp(db)).toBe(5);
    expect(names(db, 'index')).not.toContain('call_record_callback_open');
    const owed = `SELECT id FROM call_record WHERE json_extract(content, '$.callback.required') = 1 AND json_extract(content, '$.callback.completedAt') IS NULL
      AND julianday(json_extract(content, '$.startedAt')) < julianday(?) AND status <> 'discarded'`;
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${owed}`).all('2026-02-01') as { detail: string }[]).map((p) => p.detail).join(' ');
    expect(plan).toMatch(/USING (COVERING )?INDEX call_record_callback_owed/);
    expect(db.prepare(owed).pluck().all('2026-02-01')).toEqual(['r1']);
    db.close();
  });
});
