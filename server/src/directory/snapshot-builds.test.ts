import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, seedTestUsers } from '../../../test/support/server-fixtures';
import { makeService } from '../../../test/support/services';
import { createTestDatabase } from '../../../test/support/test-database';
import { artefactCacheDir } from '../artefacts/serve';
import { findArtefact } from '../artefacts/store';
import { connectPostgres, type Db } from '../db/db';
import { migrate, MIGRATIONS } from '../db/migrations';
import { publishDirectory } from './publish';
import { BUILD_STALE_SECONDS, createSnapshotUpkeep, ensureSnapshot, trustsMissingSnapshots } from './snapshot-builds';
import { buildSnapshot, latestSnapshot, legacySnapshotDir, storeLegacySnapshots } from './snapshots';

/*
 * One snapshot builder across API nodes: two "nodes" here are two connection pools to one real
 * PostgreSQL, each with a DATA_DIR of its own (the builder keeps the file it built in its cache,
 * so whose cache holds a snapshot says who built it).
 */

const svc = (id: string, name = `Service ${id}`) => makeService({ id, name, type: 'crisis_cafe' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Node {
  db: Db;
  config: { DATA_DIR: string; nodeName: string };
}

describe('directory snapshots are built once across API nodes', () => {
  let database: { url: string; drop(): Promise<void> };
  let nodes: [Node, Node];
  let version = 0;

  const publishOnly = async (trustId: string, n: number) => {
    const r = await publishDirectory(nodes[0].db, trustId, Array.from({ length: n }, (_, i) => svc(`s${i}`, `Service ${i} v${version + 1}`)), { source: 'feed', complete: true, tombstoneDays: 30 });
    version = r.version;
    return r.version;
  };
  const cachedBy = (sha256: string) => nodes.filter((n) => existsSync(path.join(artefactCacheDir(n.config.DATA_DIR), sha256))).map((n) => n.config.nodeName);

  beforeAll(async () => {
    database = await createTestDatabase();
    const open = (name: string): Node => ({ db: connectPostgres(database.url, { applicationName: name }), config: { DATA_DIR: mkdtempSync(path.join(tmpdir(), `snapshot-${name}-`)), nodeName: name } });
    nodes = [open('node-a'), open('node-b')];
    await migrate(nodes[0].db);
    await seedTestUsers(nodes[0].db);
  });
  afterEach(async () => {
    await nodes[0].db.query('DELETE FROM directory_snapshot_build');
  });
  afterAll(async () => {
    for (const n of nodes) {
      await n.db.close();
      rmSync(n.config.DATA_DIR, { recursive: true, force: true });
    }
    await database.drop();
  });

  it('builds a version once when both nodes ask for it at the same moment; both get the same snapshot', async () => {
    for (let round = 0; round < 3; round++) {
      const v = await publishOnly('trust-a', 40 + round);
      const [a, b] = await Promise.all(nodes.map((n) => ensureSnapshot(n, 'trust-a', v)));
      expect(a).toEqual(b);
      expect(a).toMatchObject({ version: v, services: 40 + round });
      expect(cachedBy(a!.sha256)).toHaveLength(1);
      const rows = await nodes[0].db.query('SELECT sha256 FROM directory_snapshot WHERE trust_id = $1 AND version = $2', ['trust-a', v]);
      expect(rows).toHaveLength(1);
      expect(await nodes[0].db.query('SELECT 1 FROM directory_snapshot_build')).toEqual([]);
    }
  });

  it('waits for the node that is building instead of building again, and serves what it recorded', async () => {
    const v = await publishOnly('trust-a', 50);
    // Node A holds a live claim (its build under way).
    await nodes[0].db.query("INSERT INTO directory_snapshot_build (trust_id, claim, node, version) VALUES ('trust-a', gen_random_uuid(), 'node-a', $1)", [v]);
    let done = false;
    const waiting = ensureSnapshot(nodes[1], 'trust-a', v).finally(() => (done = true));
    await sleep(800);
    expect(done).toBe(false);
    // A finishes: it records the snapshot, then lets go of the claim.
    const built = await buildSnapshot(nodes[0].db, 'trust-a', nodes[0].config.DATA_DIR);
    await nodes[0].db.query('DELETE FROM directory_snapshot_build');
    const got = await waiting;
    expect(got).toEqual(built);
    expect(cachedBy(got!.sha256)).toEqual(['node-a']);
  });

  it('takes over the build of a node that died mid-build once its claim goes stale', async () => {
    const v = await publishOnly('trust-a', 60);
    await nodes[0].db.query("INSERT INTO directory_snapshot_build (trust_id, claim, node, version) VALUES ('trust-a', gen_random_uuid(), 'node-a', $1)", [v]);
    const waiting = ensureSnapshot(nodes[1], 'trust-a', v);
    await sleep(500);
    // Node A stopped beating its heartbeat BUILD_STALE_SECONDS ago.
    await nodes[0].db.query('UPDATE directory_snapshot_build SET heartbeat_at = now() - make_interval(secs => $1)', [BUILD_STALE_SECONDS + 1]);
    const built = await waiting;
    expect(built).toMatchObject({ version: v, services: 60 });
    expect(cachedBy(built!.sha256)).toEqual(['node-b']);
  });

  it('lets go of its claim when the build fails, and the trust is built by the next to ask', async () => {
    const v = await publishOnly('trust-b', 5);
    // A DATA_DIR that is a file: the build fails at its first step.
    const broken = { db: nodes[1].db, config: { DATA_DIR: path.join(nodes[1].config.DATA_DIR, 'not-a-folder'), nodeName: 'node-b' } };
    writeFileSync(broken.config.DATA_DIR, '');
    await expect(ensureSnapshot(broken, 'trust-b', v)).rejects.toThrow();
    expect(await nodes[0].db.query('SELECT 1 FROM directory_snapshot_build')).toEqual([]);
    expect(await trustsMissingSnapshots(nodes[0].db)).toContainEqual({ trustId: 'trust-b', version: v });
    rmSync(broken.config.DATA_DIR);
    expect(await ensureSnapshot(nodes[0], 'trust-b', v)).toMatchObject({ version: v });
    expect(await trustsMissingSnapshots(nodes[0].db)).toEqual([]);
  });

  it('builds a missing snapshot on its own (upkeep), without a publish asking for it', async () => {
    const v = await publishOnly('trust-b', 7);
    expect(await trustsMissingSnapshots(nodes[0].db)).toEqual([{ trustId: 'trust-b', version: v }]);
    const server = await createTestServer(nodes[1].db, [createSnapshotUpkeep({ upkeepMs: 100 })], { DATA_DIR: nodes[1].config.DATA_DIR, NODE_NAME: 'node-b' });
    try {
      for (let i = 0; i < 200 && (await latestSnapshot(nodes[0].db, 'trust-b'))?.version !== v; i++) await sleep(50);
      expect(await latestSnapshot(nodes[0].db, 'trust-b')).toMatchObject({ version: v, services: 7 });
    } finally {
      await server.close();
    }
  });
});

describe('snapshots kept in DATA_DIR/snapshots before they moved into PostgreSQL', () => {
  it('are stored in the database by a node that still has them; rows whose file is on no node are not offered', async () => {
    const database = await createTestDatabase();
    const db = connectPostgres(database.url);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'snapshot-legacy-'));
    try {
      // A database as the previous version left it.
      await migrate(db, MIGRATIONS.filter((m) => m.version < 10));
      await seedTestUsers(db);
      const kept = randomBytes(5000);
      const keptSha = createHash('sha256').update(kept).digest('hex');
      const lostSha = createHash('sha256').update('lost').digest('hex');
      mkdirSync(legacySnapshotDir(dataDir));
      writeFileSync(path.join(legacySnapshotDir(dataDir), `${keptSha}.db`), kept);
      writeFileSync(path.join(legacySnapshotDir(dataDir), 'tmp-0123.db'), 'half a build');
      await db.query("INSERT INTO directory_state (trust_id, version, published_at) VALUES ('trust-a', 2, now())");
      await db.query("INSERT INTO directory_snapshot (sha256, trust_id, version, bytes, services, published_at) VALUES ($1, 'trust-a', 1, 5000, 3, now()), ($2, 'trust-a', 2, 10, 3, now())", [keptSha, lostSha]);
      await migrate(db);

      // Version 2's file is on no node: it is not offered; version 1's is, once this node stored it.
      expect(await latestSnapshot(db, 'trust-a')).toBeNull();
      expect(await storeLegacySnapshots(db, dataDir)).toBe(1);
      expect(await latestSnapshot(db, 'trust-a')).toMatchObject({ sha256: keptSha, version: 1 });
      expect((await findArtefact(db, keptSha))?.bytes).toBe(5000);
      expect(existsSync(legacySnapshotDir(dataDir))).toBe(false);
      // The newest version still lacks a snapshot: upkeep builds it.
      expect(await trustsMissingSnapshots(db)).toEqual([{ trustId: 'trust-a', version: 2 }]);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await db.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
