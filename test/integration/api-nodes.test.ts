/*
 * Several API nodes over one PostgreSQL: two real server processes (`npm run server`'s
 * main.ts, each with a DATA_DIR of its own) behind a round-robin proxy on 127.0.0.1, as behind a
 * load balancer. Nothing a desk needs may live on one node: an import run on one node is watched
 * from the other and its snapshot built once; a new desk gets its manifest from one node and the
 * snapshot bytes from the other; a desk whose node is killed mid-download finishes on the other
 * from where it was; a node whose cache folder is deleted still serves; a push answered by one
 * node and replayed against the other is applied once; sign-in lockouts, rate limits and hint
 * stream caps count across both.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { connectPostgres, type Db } from '../../server/src/db/db';
import { migrate } from '../../server/src/db/migrations';
import { DEMO_PASSWORD, seedDemoUsers } from '../../server/src/demo/seed-users';
import type { SyncStatus } from '../../shared/contract';
import { DESK_HEADER, DirectoryManifest, PushResponse } from '../../shared/sync/protocol';
import { orukRecord } from '../bench/import-feeds';
import { DeskProcess } from '../faults/desk-process';
import { FaultProxy } from '../faults/fault-proxy';
import { ServerProcess } from '../faults/server-process';
import { bundle } from '../support/bundle';
import { deskUser, GEO_DIR } from '../support/desk-harness';
import { freePort } from '../support/free-port';
import { authorizeUrl, hiddenFields, newPkce, obtainTokens, startLoopbackReceiver, type LoopbackReceiver } from '../support/oidc-client';
import { completeContent, newRecordId, ScriptedDesk } from '../support/sync-fixtures';
import { createTestDatabase } from '../support/test-database';

/** About 8 MiB of snapshot, 1.5 MiB of it compressed (what travels). */
const SERVICES = 6000;
const LOCKOUT_AFTER = 4;
const ATTEMPTS_PER_ADDRESS_PER_MINUTE = 6;
const STREAMS_PER_USER = 3;
const CLINICIAN = { userId: 'clinician.south', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician' as const] };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('two API nodes over one PostgreSQL behind a load balancer', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Db;
  let proxy: FaultProxy;
  let proxyUrl: string;
  let nodes: ServerProcess[];
  let dirs: string[];
  let receiver: LoopbackReceiver;
  let entry: string;
  let clinicianToken: string;
  let adminToken: string;
  let otherToken: string;
  let published: number;
  const desks: DeskProcess[] = [];
  const deskDirs: string[] = [];

  const cacheOf = (node: number) => path.join(dirs[node]!, 'artefacts');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** The proxy sends requests for paths matching `route` to that node first (round robin otherwise). */
  const routeTo = (routes: [RegExp, number][]) => {
    let turn = 0;
    proxy.pick = (req) => routes.find(([re]) => re.test(req.path))?.[1] ?? turn++ % 2;
  };

  async function newDesk(): Promise<DeskProcess> {
    const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-nodes-desk-'));
    deskDirs.push(dir);
    const desk = new DeskProcess({ entry, dataDir: dir, geoDir: GEO_DIR, keyHex: randomBytes(32).toString('hex'), serverUrl: proxyUrl, user: deskUser(CLINICIAN), token: async () => clinicianToken });
    desks.push(desk);
    await desk.start();
    return desk;
  }

  /** The services in a desk's directory.db (read once the desk is stopped). */
  const deskServices = (desk: DeskProcess) => {
    const file = path.join(deskDirs[desks.indexOf(desk)]!, 'directory.db');
    const d = new Database(file, { readonly: true });
    try {
      return (d.prepare('SELECT count(*) AS n FROM service').get() as { n: number }).n;
    } finally {
      d.close();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = connectPostgres(database.url);
    const ports = [await freePort(), await freePort()];
    proxy = new FaultProxy(ports.map((port) => ({ host: '127.0.0.1', port })));
    proxyUrl = `http://127.0.0.1:${await proxy.start()}`;
    dirs = ports.map(() => mkdtempSync(path.join(tmpdir(), 'crisis-desk-node-')));
    const secret = randomBytes(32).toString('base64url');
    nodes = ports.map(
      (port, i) =>
        new ServerProcess(port, {
          DATABASE_URL: database.url,
          DATA_DIR: dirs[i]!,
          // Both nodes are the one identity provider desks reach through the load balancer.
          PUBLIC_URL: proxyUrl,
          SIGNING_KEY_ENCRYPTION_KEY: secret,
          NODE_NAME: `node-${i}`,
          TRUST_PROXY: '127.0.0.1',
          SIGN_IN_FAILURES_BEFORE_LOCKOUT: String(LOCKOUT_AFTER),
          SIGN_IN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: String(ATTEMPTS_PER_ADDRESS_PER_MINUTE),
          HINT_STREAMS_PER_USER: String(STREAMS_PER_USER),
          DATABASE_POOL_MAX: '4',
        }),
    );
    // The demo's trusts and users (without DEMO=1, which would print its banner from each node).
    await migrate(db);
    await seedDemoUsers(db);
    for (const n of nodes) await n.start();
    receiver = await startLoopbackReceiver();
    // Signed in through the balancer: the code may be issued by one node and exchanged on the other.
    clinicianToken = (await obtainTokens(proxyUrl, receiver, 'clinician.south', DEMO_PASSWORD)).access_token;
    adminToken = (await obtainTokens(proxyUrl, receiver, 'admin.south', DEMO_PASSWORD)).access_token;
    otherToken = (await obtainTokens(proxyUrl, receiver, 'clinician2.south', DEMO_PASSWORD)).access_token;
    entry = await bundle(path.resolve(import.meta.dirname, '../../electron/core/entry.ts'), 'api-nodes-core');
  }, 180_000);

  afterAll(async () => {
    for (const d of desks) await d.stop().catch(() => d.kill());
    await receiver?.close();
    await proxy?.stop();
    for (const n of nodes ?? []) await n.stop();
    await db?.close();
    await database?.drop();
    for (const d of [...(dirs ?? []), ...deskDirs]) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it('runs an import on one node, shows it from the other while it runs and after, and builds its snapshot once, on the node that ran it', async () => {
    const services = generateDirectory({ seed: 16, count: SERVICES, sectors: loadEnglandSectors(GEO_DIR) });
    routeTo([[/^\/v1\/admin\/directory\/imports$/, 0], [/^\/v1\/admin\/directory\/imports\//, 1]]);
    const started = await fetch(`${proxyUrl}/v1/admin/directory/imports`, {
      method: 'POST',
      headers: { ...bearer(adminToken), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'document', source: 'nodes', document: services.map(orukRecord) }),
    });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { id: string };
    const seen = new Set<string>();
    const done = await until('the import to finish, watched from node 1', async () => {
      const r = await fetch(`${proxyUrl}/v1/admin/directory/imports/${job.id}`, { headers: bearer(adminToken) });
      const j = (await r.json()) as { status: string; counts: { imported: number; repaired: number } | null; publishedVersion: number | null; snapshot: { sha256: string } | null };
      seen.add(j.status);
      return j.status !== 'running' ? j : null;
    });
    expect(seen.has('running')).toBe(true);
    expect(done).toMatchObject({ status: 'published', publishedVersion: 1, snapshot: { sha256: expect.any(String) } });
    published = done.counts!.imported + done.counts!.repaired;
    expect(published).toBeGreaterThan(SERVICES / 2);
    expect(await db.query("SELECT count(*)::int AS n FROM directory_service WHERE trust_id = 'demo-south' AND NOT deleted")).toEqual([{ n: published }]);
    // Built once, by node 0: only its cache holds the file it built.
    const sha = done.snapshot!.sha256;
    expect(existsSync(path.join(cacheOf(0), sha))).toBe(true);
    expect(existsSync(path.join(cacheOf(1), sha))).toBe(false);
    expect(await db.query("SELECT version FROM directory_snapshot WHERE trust_id = 'demo-south'")).toEqual([{ version: 1 }]);
  }, 60_000);

  it('bootstraps a new desk with the manifest from one node and the snapshot bytes from the other', async () => {
    routeTo([[/^\/v1\/directory\/manifest/, 0], [/^\/v1\/directory\/snapshots\//, 1]]);
    proxy.record = true;
    proxy.forwarded.length = 0;
    const desk = await newDesk();
    await until('the directory on the desk', async () => ((await desk.must<{ directory: { version: string | null } }>('system.info')).directory.version === '1' ? true : null));
    proxy.record = false;
    const asked = proxy.forwarded.filter((f) => f.path.startsWith('/v1/directory/manifest') || f.path.startsWith('/v1/directory/snapshots/'));
    expect(asked.map((f) => [f.path.split('/')[3]!.replace(/\?.*/, ''), f.node, f.status])).toEqual([
      ['manifest', 0, 200],
      ['snapshots', 1, 200],
    ]);
    // The desk never fell back to paging the whole directory.
    expect(proxy.forwarded.filter((f) => f.path.startsWith('/v1/directory/changes') && !f.path.includes('cursor='))).toEqual([]);
    await desk.stop();
    expect(deskServices(desk)).toBe(published);
  });

  it('finishes a download on the other node, from where it stopped, when its node is killed mid-download', async () => {
    // The snapshot from node 1, slowly (about 1 MB/s), so that the kill lands mid-way.
    routeTo([[/^\/v1\/directory\/snapshots\//, 1]]);
    proxy.choose = (req) => (req.path.startsWith('/v1/directory/snapshots/') ? 'slow_body' : 'none');
    proxy.record = true;
    proxy.forwarded.length = 0;
    const desk = await newDesk();
    const midway = await desk.whenStatus((s: SyncStatus) => s.directoryProgress?.phase === 'download' && s.directoryProgress.bytes > 0, 30_000);
    expect(midway).not.toBeNull();
    try {
      await nodes[1]!.kill();
      // The compressed snapshot (some 1.5 MiB here) fits in the sockets' buffers whole, so the dead
      // node's last bytes would still arrive: the balancer cuts its connections, as one does when a
      // backend dies under it.
      proxy.dropAll();
      proxy.choose = () => 'none';
      await until('the directory on the desk', async () => ((await desk.must<{ directory: { version: string | null } }>('system.info')).directory.version === '1' ? true : null));
    } finally {
      proxy.record = false;
      proxy.choose = () => 'none';
      await nodes[1]!.start();
    }
    const downloads = proxy.forwarded.filter((f) => f.path.startsWith('/v1/directory/snapshots/'));
    expect(downloads[0]).toMatchObject({ node: 1, status: 200, range: null });
    const resumed = downloads.slice(1);
    expect(resumed.length).toBeGreaterThan(0);
    // Resumed on node 0 with a Range from where it was, not from the start.
    expect(resumed.every((f) => f.node === 0 && f.status === 206 && /^bytes=[1-9]\d*-$/.test(f.range ?? ''))).toBe(true);
    expect(Number(/bytes=(\d+)-/.exec(resumed[0]!.range!)![1])).toBeGreaterThanOrEqual(midway!.directoryProgress!.bytes);
    expect(proxy.forwarded.filter((f) => f.path.startsWith('/v1/directory/changes') && !f.path.includes('cursor='))).toEqual([]);
    await desk.stop();
    // The desk checked the joined file's sha256 before installing it: every service is there.
    expect(deskServices(desk)).toBe(published);
  });

  it('serves the whole snapshot and any range from a node whose cache folder was deleted', async () => {
    const manifest = DirectoryManifest.parse(await (await fetch(`${nodes[0]!.url}/v1/directory/manifest`, { headers: bearer(clinicianToken) })).json());
    for (const [i, node] of nodes.entries()) {
      rmSync(cacheOf(i), { recursive: true, force: true });
      const whole = await fetch(`${node.url}${manifest.url}`, { headers: bearer(clinicianToken) });
      expect(whole.status).toBe(200);
      expect(whole.headers.get('etag')).toBe(`"${manifest.sha256}"`);
      expect(sha256(new Uint8Array(await whole.arrayBuffer()))).toBe(manifest.sha256);
      const part = await fetch(`${node.url}${manifest.url}`, { headers: { ...bearer(clinicianToken), range: `bytes=${manifest.bytes - 1000}-`, 'if-range': `"${manifest.sha256}"` } });
      expect(part.status).toBe(206);
      expect((await part.arrayBuffer()).byteLength).toBe(1000);
      // The stored bytes are the compressed copy: the same from every node, whole or in part.
      const stored = manifest.compressed!;
      const compressed = await fetch(`${node.url}${stored.url}`, { headers: bearer(clinicianToken) });
      expect(compressed.status).toBe(200);
      expect(sha256(new Uint8Array(await compressed.arrayBuffer()))).toBe(stored.sha256);
      const tail = await fetch(`${node.url}${stored.url}`, { headers: { ...bearer(clinicianToken), range: `bytes=${stored.bytes - 1000}-`, 'if-range': `"${stored.sha256}"` } });
      expect(tail.status).toBe(206);
      expect((await tail.arrayBuffer()).byteLength).toBe(1000);
      // The node fills its cache again on its own, with the whole file or nothing.
      await until(`node ${i}'s cache`, async () => existsSync(path.join(cacheOf(i), stored.sha256)), 20_000);
      expect(readdirSync(cacheOf(i)).filter((f) => !f.startsWith('tmp-'))).toEqual([stored.sha256]);
    }
  });

  it('applies a push once when one node answered it and the desk replays it against the other', async () => {
    const scripted = new ScriptedDesk();
    const id = newRecordId();
    const body = JSON.stringify(scripted.request([scripted.upsert(id, completeContent()), scripted.finalise(id, completeContent())], 0));
    const send = async (node: number) => {
      const r = await fetch(`${nodes[node]!.url}/v1/sync/push`, { method: 'POST', headers: { ...bearer(clinicianToken), 'content-type': 'application/json' }, body });
      expect(r.status).toBe(200);
      return PushResponse.parse(await r.json());
    };
    expect((await send(0)).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // Its answer was lost on the way back; the desk sends the same batch again, and the balancer picks node 1.
    expect(await send(1)).toMatchObject({ results: [{ status: 'duplicate' }, { status: 'duplicate' }], lastSeq: 2 });
    expect(await db.query('SELECT status, revision FROM call_record WHERE id = $1', [id])).toEqual([{ status: 'finalised', revision: 2 }]);
  });

  it('counts sign-in attempts, failures, lockouts and hint streams across both nodes', async () => {
    proxy.pick = (() => {
      let turn = 0;
      return () => turn++ % 2;
    })();
    const page = await fetch(authorizeUrl(proxyUrl, { redirectUri: receiver.redirectUri, challenge: newPkce().challenge, state: 's' }), { headers: { accept: 'text/html' } });
    const form = hiddenFields(await page.text());
    const attempt = async (password: string, from: string) =>
      (
        await fetch(`${proxyUrl}/oidc/authorize`, {
          method: 'POST',
          headers: { accept: 'application/json', 'x-forwarded-for': from },
          body: new URLSearchParams({ ...form, username: 'lead.north', password }),
          redirect: 'manual',
        })
      ).status;
    // Wrong passwords alternate between the nodes (and addresses): the lockout counts all of them.
    for (let i = 0; i < LOCKOUT_AFTER - 1; i++) expect(await attempt(`guess-${i}`, `198.51.100.${i + 1}`)).toBe(401);
    expect(await attempt('guess-last', '198.51.100.99')).toBe(429);
    for (const from of ['203.0.113.5', '203.0.113.6']) expect(await attempt(DEMO_PASSWORD, from)).toBe(429);

    // One address's attempts (each for another username, none locked) alternate between the nodes: its rate counts them all.
    const attemptAs = async (username: string, from: string) =>
      (
        await fetch(`${proxyUrl}/oidc/authorize`, {
          method: 'POST',
          headers: { accept: 'application/json', 'x-forwarded-for': from },
          body: new URLSearchParams({ ...form, username, password: 'not-it' }),
          redirect: 'manual',
        })
      ).status;
    for (let i = 0; i < ATTEMPTS_PER_ADDRESS_PER_MINUTE; i++) expect(await attemptAs(`nobody-${i}`, '192.0.2.50')).toBe(401);
    expect(await attemptAs('nobody-over', '192.0.2.50')).toBe(429);
    expect(await attemptAs('nobody-over', '192.0.2.51')).toBe(401);

    // Hint streams: the user's cap holds whichever node each stream reaches.
    const open: ClientRequest[] = [];
    const openStream = (desk: string) =>
      new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(proxyUrl);
        const req = httpRequest({ host: hostname, port, path: '/v1/sync/hints', headers: { ...bearer(otherToken), accept: 'text/event-stream', [DESK_HEADER]: desk } }, (res) => {
          res.on('error', () => {});
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
        open.push(req);
      });
    try {
      proxy.forwarded.length = 0;
      proxy.record = true;
      for (let i = 0; i < STREAMS_PER_USER; i++) expect(await openStream(`desk-${i}`)).toBe(200);
      expect(await openStream('desk-over')).toBe(429);
      expect(await openStream('desk-over-again')).toBe(429);
      proxy.record = false;
      expect(new Set(proxy.forwarded.filter((f) => f.path === '/v1/sync/hints').map((f) => f.node))).toEqual(new Set([0, 1]));
    } finally {
      for (const r of open) r.destroy();
    }
  });
});
