import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/support/test-database';
import { connectPostgres, openPglite, type Db } from '../db';
import { migrate, MIGRATIONS, splitStatements } from './index';

async function seed(db: Db) {
  await db.query("INSERT INTO trust (id, name) VALUES ('t1', 'Trust One')");
  await db.query("INSERT INTO team (id, trust_id, name) VALUES ('team1', 't1', 'Crisis line')");
  await db.query("INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ('u1', 't1', 'team1', 'Clinician', ARRAY['clinician'])");
  await db.query(
    `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, content_hash, started_at, finalised_at, desk_updated_at)
     VALUES ('0190a000-0000-7000-8000-000000000001', 't1', 'team1', 'u1', '0190a000-0000-7000-8000-0000000000c1', '0190a000-0000-7000-8000-0000000000c1',
             'finalised', 3, '{"a":1}', 'hash', now(), now(), now())`,
  );
}

// The same schema and guarantees on both databases the server runs on.
describe.each([
  ['PostgreSQL', async () => {
    const t = await createTestDatabase();
    return { db: connectPostgres(t.url), drop: t.drop };
  }],
  ['PGlite', async () => ({ db: await openPglite(), drop: async () => {} })],
])('server schema on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await open());
    await migrate(db);
    await seed(db);
  });
  afterAll(async () => {
    await db.close();
    await drop();
  });

  it('records the migrations and applies them only once', async () => {
    expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(await db.query('SELECT version FROM schema_migrations')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it('refuses to change or delete a finalised call record, whatever the SQL', async () => {
    const id = '0190a000-0000-7000-8000-000000000001';
    await expect(db.query(`UPDATE call_record SET content = '{"a":2}' WHERE id = $1`, [id])).rejects.toThrow(/immutable/);
    await expect(db.query(`UPDATE call_record SET status = 'draft', content_hash = NULL, finalised_at = NULL WHERE id = $1`, [id])).rejects.toThrow(/immutable/);
    await expect(db.query('DELETE FROM call_record WHERE id = $1', [id])).rejects.toThrow(/never deleted/);
    expect(await db.query('SELECT content FROM call_record WHERE id = $1', [id])).toEqual([{ content: { a: 1 } }]);
  });

  it('rolls a failed transaction back whole', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO trust (id, name) VALUES ('t2', 'Trust Two')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query("SELECT id FROM trust WHERE id = 't2'")).toEqual([]);
  });
});

describe('splitStatements', () => {
  it('keeps $$-quoted function bodies whole and drops comment lines', () => {
    const parts = splitStatements("-- c\nCREATE TABLE a (x int);\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND $$;\nSELECT 1;");
    expect(parts).toHaveLength(3);
    expect(parts[1]).toContain('RETURN NEW;');
  });
});
