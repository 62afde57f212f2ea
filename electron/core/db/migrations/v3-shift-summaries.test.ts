import { describe, expect, it } from 'vitest';
import { deskDbAt, names, stepUp } from './steps-for-tests';

const record = (id: string, startedAt: string) =>
  [id, JSON.stringify({ startedAt, callback: { required: true, completedAt: null } })] as const;

describe('desk.db step 3: shift summaries', () => {
  it('adds where the server filed each record and the team context, and finds records by their start with an index', () => {
    const db = deskDbAt(2);
    for (const [id, content] of [record('r1', '2026-01-01T10:00:00Z'), record('r2', '2026-01-02T10:00:00Z')]) {
      db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES (?, 'draft', 1, 'c', 't', 't', ?)").run(id, content);
    }
    expect(stepUp(db)).toBe(3);
    expect(names(db, 'table')).toEqual(expect.arrayContaining(['record_filing', 'team_context']));
    db.prepare("INSERT INTO record_filing (record_id, team_id, clinician_id, server_updated_at) VALUES ('r1', 'team1', 'u1', 't')").run();
    // A filing names a record this desk holds.
    expect(() => db.prepare("INSERT INTO record_filing (record_id, team_id, clinician_id, server_updated_at) VALUES ('nope', 'team1', 'u1', 't')").run()).toThrow(/FOREIGN KEY/);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT id FROM call_record WHERE julianday(json_extract(content, '$.startedAt')) >= julianday(?)")
      .all('2026-01-02') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/call_record_by_start/);
    expect(db.prepare("SELECT id FROM call_record WHERE julianday(json_extract(content, '$.startedAt')) >= julianday('2026-01-02')").pluck().all()).toEqual(['r2']);
    expect(names(db, 'index')).toEqual(expect.arrayContaining(['call_record_callback_open', 'call_record_by_finalised', 'call_record_by_discarded', 'record_filing_by_team']));
    db.close();
  });
});
