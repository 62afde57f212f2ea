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

describe.each([
  ['PostgreSQL', async () => {
    const t = await createTestDatabase();
    return { db: connectPostgres(t.url), drop: t.drop };
  }],
  ['PGlite', async () => ({ db: await openPglite(), drop: async () => {} })],
])('the authors migration on %s', (_name, open) => {
  const authors = MIGRATIONS.find((m) => m.name.startsWith('who made each change'))!;
  it('files every change made before it under the user of the sync client that sent it', async () => {
    const { db, drop } = await open();
    try {
      await migrate(db, MIGRATIONS.filter((m) => m.version < authors.version));
      await seed(db);
      await db.query("INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ('u2', 't1', 'team1', 'Night', ARRAY['clinician'])");
      const [c1, c2] = ['0190a000-0000-7000-8000-0000000000c1', '0190a000-0000-7000-8000-0000000000c2'];
      await db.query("INSERT INTO sync_client (client_id, trust_id, team_id, user_id, last_seq) VALUES ($1, 't1', 'team1', 'u1', 3), ($2, 't1', 'team1', 'u2', 1)", [c1, c2]);
      const record = '0190a000-0000-7000-8000-000000000001';
      const discarded = '0190a000-0000-7000-8000-000000000002';
      await db.query(
        `INSERT INTO call_record (id, trust_id, team_id, clinician_id, origin_client_id, last_client_id, status, revision, content, started_at, discarded_at, discard_reason, desk_updated_at)
         VALUES ($1, 't1', 'team1', 'u1', $2, $2, 'discarded', 2, '{}', now(), now(), 'x', now())`,
        [discarded, c1],
      );
      await db.query("INSERT INTO call_addendum (id, record_id, trust_id, client_id, text, created_at, content_hash) VALUES ('0190a000-0000-7000-8000-0000000000a1', $1, 't1', $2, 'note', now(), 'h')", [record, c2]);
      await db.query("INSERT INTO applied_mutation (mutation_id, client_id, seq, record_id, status) VALUES ('0190a000-0000-7000-8000-0000000000f1', $1, 1, $2, 'applied')", [c1, record]);

      expect(await migrate(db)).toBe(MIGRATIONS.at(-1)!.version);
      expect(await db.query('SELECT id, created_by, updated_by, finalised_by, discarded_by FROM call_record ORDER BY id')).toEqual([
        { id: record, created_by: 'u1', updated_by: 'u1', finalised_by: 'u1', discarded_by: null },
        { id: discarded, created_by: 'u1', updated_by: 'u1', finalised_by: null, discarded_by: 'u1' },
      ]);
      expect(await db.query('SELECT author_id FROM call_addendum')).toEqual([{ author_id: 'u2' }]);
      expect(await db.query('SELECT author_id FROM applied_mutation')).toEqual([{ author_id: 'u1' }]);
    } finally {
      await db.close();
      await drop();
    }
  });
});

describe('splitStatements', () => {
  it('keeps $$-quoted function bodies whole and drops comment lines', () => {
    const parts = splitStatements("-- c\nCREATE TABLE a (x int);\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN NEW;\nEND $$;\nSELECT 1;");
    expect(parts).toHaveLength(3);
    expect(parts[1]).toContain('RETURN NEW;');
  });
});
