import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { artefactCacheDir } from '../artefacts/serve';
import { releaseRoutes } from './release-routes';
import { rolloutBucket } from './rings';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Built {
  version: string;
  files: { platform: 'win32' | 'linux'; arch: 'x64'; kind: 'nsis' | 'deb'; fileName: string; sha256: string; bytes: Buffer }[];
}

/** A release as `npm run dist` describes it, with made-up installer bytes. */
function build(version: string, size = 300_000): Built {
  const exe = randomBytes(size);
  const deb = randomBytes(size >> 1);
  return {
    version,
    files: [
      { platform: 'win32', arch: 'x64', kind: 'nsis', fileName: `Crisis-Desk-${version}-x64-setup.exe`, sha256: sha256(exe), bytes: exe },
      { platform: 'linux', arch: 'x64', kind: 'deb', fileName: `crisis-desk_${version}_amd64.deb`, sha256: sha256(deb), bytes: deb },
    ],
  };
}
const manifestOf = (b: Built, publishable = true) => ({ version: b.version, publishable, notPublishableBecause: publishable ? [] : ['win32 built on the stand-in runtime'], artefacts: b.files.map((f) => ({ file: f.fileName, sha256: f.sha256 })) });
const releaseBody = (b: Built, rollout: { stage: string; percentage?: number }, publishable = true) => ({
  version: b.version,
  notes: `Release ${b.version}`,
  rollout,
  files: b.files.map(({ bytes: _b, ...f }) => f),
  manifest: manifestOf(b, publishable),
});

describe.each(DATABASE_KINDS)('desktop releases and the fleet, on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;
  let dirA: string;
  let dirB: string;

  const call = async (server: TestServer, user: TestUser, method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, init: { payload?: unknown; headers?: Record<string, string>; raw?: Buffer } = {}) =>
    server.app.inject({
      method,
      url,
      headers: { ...(await server.auth(user)), ...(init.raw ? { 'content-type': 'application/octet-stream' } : {}), ...init.headers },
      ...(init.raw ? { payload: init.raw } : init.payload !== undefined ? { payload: init.payload as object } : {}),
    });
  const upload = async (b: Built, user: TestUser = USERS.aAdmin) => {
    for (const f of b.files) expect((await call(nodeA, user, 'PUT', `/v1/admin/artefacts/${f.sha256}`, { raw: f.bytes })).statusCode).toBeLessThan(300);
  };
  const feed = (user: TestUser, file: string, deskId: string, extra: Record<string, string> = {}) => call(nodeB, user, 'GET', `/v1/updates/${file}`, { headers: { 'x-crisis-desk-id': deskId, ...extra } });

  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
    dirA = mkdtempSync(path.join(tmpdir(), 'node-a-'));
    dirB = mkdtempSync(path.join(tmpdir(), 'node-b-'));
    // Two API nodes over one database, each with its own cache folder.
    nodeA = await createTestServer(opened.db, [releaseRoutes], { DATA_DIR: dirA });
    nodeB = await createTestServer(opened.db, [releaseRoutes], { DATA_DIR: dirB });
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await opened.close();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  });

  it('lets only admins upload and publish, each in their own trust', async () => {
    const b = build('1.0.0');
    const f = b.files[0]!;
    expect((await call(nodeA, USERS.a1Clinician, 'PUT', `/v1/admin/artefacts/${f.sha256}`, { raw: f.bytes })).statusCode).toBe(403);
    expect((await call(nodeA, USERS.a1Lead, 'POST', '/v1/admin/releases', { payload: releaseBody(b, { stage: 'all' }) })).statusCode).toBe(403);
    expect((await call(nodeA, USERS.a1Clinician, 'GET', '/v1/admin/fleet')).statusCode).toBe(403);
    await upload(b);
    const created = await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(b, { stage: 'pilot' }) });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ version: '1.0.0', rollout: { stage: 'pilot', percentage: 0 }, files: [expect.objectContaining({ kind: 'deb', bytes: 150_000 }), expect.objectContaining({ kind: 'nsis', bytes: 300_000 })] });
    expect((await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(b, { stage: 'all' }) })).statusCode).toBe(409);
    // Trust B sees none of it, and cannot download its files.
    expect((await call(nodeA, USERS.bAdmin, 'GET', '/v1/admin/releases')).json()).toEqual({ releases: [] });
    expect((await call(nodeB, USERS.b1Clinician, 'GET', `/v1/updates/artefacts/${f.sha256}/${f.fileName}`)).statusCode).toBe(404);
    expect((await feed(USERS.b1Clinician, 'latest.yml', randomUUID(), { 'x-crisis-desk-ring': 'pilot' })).statusCode).toBe(404);
    expect((await call(nodeA, USERS.bAdmin, 'PATCH', '/v1/admin/releases/1.0.0', { payload: { rollout: { stage: 'all' } } })).statusCode).toBe(404);
  });

  it('refuses a build marked not publishable, a stand-in file name, and files not uploaded or not in its release.json', async () => {
    const b = build('1.0.1');
    await upload(b);
    const refused = await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(b, { stage: 'all' }, false) });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: 'not_publishable', message: expect.stringMatching(/stand-in runtime.*CRISIS_DESK_RELEASE=1/) });
    const standIn = { ...b, files: b.files.map((f) => ({ ...f, fileName: f.fileName.replace('-x64', '-STAND-IN-RUNTIME-x64') })) };
    expect((await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(standIn, { stage: 'all' }) })).json()).toMatchObject({ error: 'not_publishable' });
    const missing = build('1.0.2');
    expect((await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(missing, { stage: 'all' }) })).json()).toMatchObject({ error: 'artefact_missing', message: expect.stringContaining(`PUT /v1/admin/artefacts/${missing.files[0]!.sha256}`) });
    const other = { ...releaseBody(b, { stage: 'all' }), manifest: { ...manifestOf(b), artefacts: [] } };
    expect((await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: other })).json()).toMatchObject({ error: 'manifest_mismatch' });
    // An upload that is not the file it claims to be is kept nowhere.
    const wrong = await call(nodeA, USERS.aAdmin, 'PUT', `/v1/admin/artefacts/${'a'.repeat(64)}`, { raw: randomBytes(1000) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'sha256_mismatch' });
    expect((await call(nodeA, USERS.aAdmin, 'PUT', `/v1/admin/artefacts/${'a'.repeat(64)}`, { payload: { not: 'bytes' } })).statusCode).toBe(415);
  });

  it('offers a release to the pilot ring, then a share of desks, then all; never beyond a pin; never once withdrawn', async () => {
    const b = build('2.0.0');
    await upload(b);
    expect((await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(b, { stage: 'pilot' }) })).statusCode).toBe(201);
    const desks = Array.from({ length: 60 }, () => randomUUID());
    const offered = async (ring: 'pilot' | 'general', pin?: string) => {
      const got: string[] = [];
      for (const d of desks) {
        const r = await feed(USERS.a1Clinician, 'latest.yml', d, { 'x-crisis-desk-ring': ring, ...(pin ? { 'x-crisis-desk-pin': pin } : {}) });
        if (r.statusCode === 200) got.push(`${d}:${(r.json() as { version: string }).version}`);
        else expect(r.json()).toMatchObject({ error: 'no_update' });
      }
      return got;
    };
    expect(await offered('pilot')).toEqual(desks.map((d) => `${d}:2.0.0`));
    expect(await offered('general')).toEqual([]); // 1.0.0 is at pilot too
    await call(nodeA, USERS.aAdmin, 'PATCH', '/v1/admin/releases/1.0.0', { payload: { rollout: { stage: 'all' } } });
    expect(await offered('general')).toEqual(desks.map((d) => `${d}:1.0.0`));
    const patched = await call(nodeA, USERS.aAdmin, 'PATCH', '/v1/admin/releases/2.0.0', { payload: { rollout: { stage: 'percentage', percentage: 30 } } });
    expect(patched.json()).toMatchObject({ rollout: { stage: 'percentage', percentage: 30 } });
    expect(await offered('general')).toEqual(desks.map((d) => `${d}:${rolloutBucket('trust-a', d) < 30 ? '2.0.0' : '1.0.0'}`));
    expect((await call(nodeA, USERS.aAdmin, 'PATCH', '/v1/admin/releases/2.0.0', { payload: { rollout: { stage: 'percentage', percentage: 0 } } })).statusCode).toBe(400);
    await call(nodeA, USERS.aAdmin, 'PATCH', '/v1/admin/releases/2.0.0', { payload: { rollout: { stage: 'all' } } });
    expect(await offered('general')).toEqual(desks.map((d) => `${d}:2.0.0`));
    expect(await offered('general', '1.5.0')).toEqual(desks.map((d) => `${d}:1.0.0`));
    // The metadata electron-updater reads, for each platform's own package.
    const win = (await feed(USERS.a1Clinician, 'latest.yml', desks[0]!)).json() as { files: { url: string; sha512: string; size: number }[]; path: string };
    const nsis = b.files.find((f) => f.kind === 'nsis')!;
    expect(win).toMatchObject({ version: '2.0.0', path: `artefacts/${nsis.sha256}/${nsis.fileName}`, files: [{ url: `artefacts/${nsis.sha256}/${nsis.fileName}`, size: 300_000, sha512: createHash('sha512').update(nsis.bytes).digest('base64') }], releaseNotes: 'Release 2.0.0' });
    expect(((await feed(USERS.a1Clinician, 'latest-linux.yml', desks[0]!)).json() as { path: string }).path).toMatch(/\.deb$/);
    expect((await feed(USERS.a1Clinician, 'latest-mac.yml', desks[0]!)).statusCode).toBe(404);
    expect((await call(nodeB, USERS.a1Clinician, 'GET', '/v1/updates/latest.yml')).statusCode).toBe(400);
    // Withdrawn: no desk is offered it, and its files are no longer served.
    await call(nodeA, USERS.aAdmin, 'PATCH', '/v1/admin/releases/2.0.0', { payload: { rollout: { stage: 'withdrawn' } } });
    expect(await offered('pilot')).toEqual(desks.map((d) => `${d}:1.0.0`));
    expect((await call(nodeB, USERS.a1Clinician, 'GET', `/v1/updates/artefacts/${nsis.sha256}/${nsis.fileName}`)).statusCode).toBe(404);
  });

  it('serves an installer from any node, whole or by range, cache or no cache', async () => {
    const b = build('3.0.0', 2_500_000);
    await upload(b);
    await call(nodeA, USERS.aAdmin, 'POST', '/v1/admin/releases', { payload: releaseBody(b, { stage: 'all' }) });
    const f = b.files[0]!;
    const url = `/v1/updates/artefacts/${f.sha256}/${f.fileName}`;
    for (const node of [nodeB, nodeA, nodeB]) {
      const whole = await call(node, USERS.a2Clinician, 'GET', url);
      expect(whole.statusCode).toBe(200);
      expect(whole.rawPayload.equals(f.bytes)).toBe(true);
      expect(whole.headers).toMatchObject({ etag: `"${f.sha256}"`, 'accept-ranges': 'bytes', 'content-length': String(f.bytes.length) });
    }
    // Node B's cache was filled from the database; a desk resumes a download there, then on A.
    await new Promise((r) => setTimeout(r, 200));
    expect(readdirSync(artefactCacheDir(dirB))).toContain(f.sha256);
    const part = await call(nodeB, USERS.a2Clinician, 'GET', url, { headers: { range: 'bytes=1048570-', 'if-range': `"${f.sha256}"` } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1048570-${f.bytes.length - 1}/${f.bytes.length}`);
    expect(part.rawPayload.equals(f.bytes.subarray(1048570))).toBe(true);
    rmSync(artefactCacheDir(dirA), { recursive: true, force: true });
    const tail = await call(nodeA, USERS.a2Clinician, 'GET', url, { headers: { range: 'bytes=-10' } });
    expect(tail.rawPayload.equals(f.bytes.subarray(-10))).toBe(true);
    expect((await call(nodeA, USERS.a2Clinician, 'GET', url, { headers: { 'if-none-match': `"${f.sha256}"` } })).statusCode).toBe(304);
    expect((await call(nodeA, USERS.a2Clinician, 'GET', url, { headers: { range: `bytes=${f.bytes.length}-` } })).statusCode).toBe(416);
    const stale = await call(nodeA, USERS.a2Clinician, 'GET', url, { headers: { range: 'bytes=0-9', 'if-range': '"something-else"' } });
    expect(stale.statusCode).toBe(200);
    // A cache file of the wrong size (a broken disk) is dropped and the database answers.
    writeFileSync(path.join(artefactCacheDir(dirB), f.sha256), 'short');
    expect((await call(nodeB, USERS.a2Clinician, 'GET', url)).rawPayload.equals(f.bytes)).toBe(true);
    expect((await call(nodeB, USERS.a2Clinician, 'GET', `/v1/updates/artefacts/${f.sha256}/other-name.exe`)).statusCode).toBe(404);
  });

  it('lists the fleet by version, desks behind their ring, and desks not synced for N days', async () => {
    const report = (deskId: string, version: string, ring: 'pilot' | 'general', lastSyncAt: string | null, pinnedVersion: string | null = null) => ({ deskId, version, platform: 'win32', arch: 'x64', ring, updateMode: 'notify', pinnedVersion, policyHash: '0123456789abcdef', lastSyncAt });
    const [current, behind, pinned, stale] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const day = 86_400_000;
    for (const r of [report(current, '3.0.0', 'general', new Date().toISOString()), report(behind, '1.0.0', 'general', new Date().toISOString()), report(pinned, '1.0.0', 'general', new Date().toISOString(), '1.0.0'), report(stale, '3.0.0', 'pilot', new Date(Date.now() - 10 * day).toISOString())]) {
      expect((await call(nodeA, USERS.a1Clinician, 'POST', '/v1/fleet/reports', { payload: r })).statusCode).toBe(204);
    }
    expect((await call(nodeA, USERS.a1Clinician, 'POST', '/v1/fleet/reports', { payload: { ...report(current, 'latest', 'general', null) } })).statusCode).toBe(400);
    // A report without a sync time keeps the last one known.
    await call(nodeA, USERS.a1Clinician, 'POST', '/v1/fleet/reports', { payload: report(stale, '3.0.0', 'pilot', null) });
    const fleet = (await call(nodeB, USERS.aAdmin, 'GET', '/v1/admin/fleet?staleDays=7')).json() as { desks: { deskId: string; behindRingBy: string | null; daysSinceSync: number }[]; byVersion: unknown; behindRing: string[]; notSynced: string[] };
    expect(fleet.byVersion).toEqual([{ version: '3.0.0', desks: 2 }, { version: '1.0.0', desks: 2 }]);
    expect(fleet.behindRing).toEqual([behind]);
    expect(fleet.desks.find((d) => d.deskId === behind)!.behindRingBy).toBe('3.0.0');
    expect(fleet.notSynced).toEqual([stale]);
    expect(fleet.desks.find((d) => d.deskId === stale)!.daysSinceSync).toBe(10);
    expect((await call(nodeB, USERS.bAdmin, 'GET', '/v1/admin/fleet')).json()).toMatchObject({ desks: [], behindRing: [], notSynced: [] });
  });
});
