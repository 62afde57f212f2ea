import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './index';
import { schemaOf, serverDbAt, snapshotOf, stepUp, type Engine } from '../../../../test/support/server-migration-steps';

/*
 * The steps build exactly the schema of the snapshot (every column, constraint, index, trigger,
 * function body and sequence), on both databases the server runs on, whether a server met them all
 * at once or one release at a time. snapshots/12.txt was dumped from the steps as they were before
 * they were split into files, so the split changed nothing; each later step adds a snapshot of its own.
 */
const latest = MIGRATIONS.at(-1)!.version;

describe.each<Engine>(['PostgreSQL', 'PGlite'])('the server schema on %s', (engine) => {
  it.each([12, latest])('built by steps 1 to %i is its snapshot', async (version) => {
    const t = await serverDbAt(version, engine);
    try {
      expect(await schemaOf(t.db)).toBe(snapshotOf(version));
    } finally {
      await t.close();
    }
  });
});

describe('the server schema, one release at a time', () => {
  it('is the same as built in one go', async () => {
    const t = await serverDbAt(0);
    try {
      for (let v = 1; v <= latest; v++) expect(await stepUp(t.db)).toBe(v);
      expect(await schemaOf(t.db)).toBe(snapshotOf(latest));
      expect(await t.db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    } finally {
      await t.close();
    }
  });
});
