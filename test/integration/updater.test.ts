/*
 * Updates end to end: the real central API (PostgreSQL) serving releases an admin uploaded, and
 * desks running the real update logic — electron-updater's Windows updater driven by
 * electron/main/updater.ts — with Electron replaced only at electron-updater's own boundary (its app
 * adapter and its HTTP executor, here Node's) and Windows' Authenticode check done by osslsigncode
 * on the real signed files. What must hold: policy (off, notify, automatic, pin) and rings are
 * followed; a tampered download or another publisher's installer is refused with a message IT can
 * act on; nothing restarts while a call record is open or a save is pending; each desk reports to
 * the fleet view.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NodeHttpExecutor } from 'builder-util';
import { configureRequestOptions, configureRequestUrl, type DownloadOptions } from 'builder-util-runtime';
import { NsisUpdater } from 'electron-updater';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UpdateController, type DeskActivity, type UpdateMode, type UpdateState } from '../../electron/main/updater';
import { commonName, verifyFile } from '../../scripts/release/authenticode';
import { appUpdateYml } from '../../scripts/release/dist';
import { standInPe } from '../../scripts/release/stand-in-runtime';
import { connectPostgres, type Db } from '../../server/src/db/db';
import { artefactCacheDir } from '../../server/src/artefacts/serve';
import { startAllRoutesServer, type AllRoutesServer } from '../support/all-routes-server';
import { createTestDatabase } from '../support/test-database';

const PUBLISHER = 'Crisis Desk Test Publisher';

/**
 * electron-updater's HTTP boundary with Node's http in place of Electron's net: the same request
 * and download code of builder-util-runtime (sha512 checked as the bytes arrive), as
 * ElectronHttpExecutor.download drives it.
 */
class NodeDownloadExecutor extends NodeHttpExecutor {
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const requestOptions = { headers: options.headers || undefined, redirect: 'manual' };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      (this as unknown as { doDownload: (o: object, d: object, redirects: number) => void }).doDownload(
        requestOptions,
        { destination, options, onCancel: () => {}, callback: (error: Error | null) => (error ? reject(error) : resolve(destination)), responseHandler: null },
        0,
      );
    });
  }
}

function certificate(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name.replace(/\W/g, '')}.pem`);
  const key = path.join(dir, `${name.replace(/\W/g, '')}.key`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/O=Example NHS Trust/CN=${name}`]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return { cert, key };
}

/** A signed Windows program standing for version `version`'s installer. */
function signedInstaller(dir: string, version: string, signer: { cert: string; key: string }): Buffer {
  const raw = path.join(dir, `raw-${version}.exe`);
  const out = path.join(dir, `setup-${version}.exe`);
  writeFileSync(raw, standInPe('exe', `Crisis Desk ${version} installer`, version));
  const r = spawnSync('osslsigncode', ['sign', '-h', 'sha256', '-certs', signer.cert, '-key', signer.key, '-in', raw, '-out', out]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return readFileSync(out);
}

describe('desk updates from the trust’s central API', () => {
  let work: string;
  let db: Db;
  let drop: () => Promise<void>;
  let all: AllRoutesServer;
  let trusted: { cert: string; key: string };
  let stranger: { cert: string; key: string };
  let caBundle: string;
  const files = new Map<string, { sha256: string; fileName: string }>();

  const api = (method: string, url: string, body?: Buffer | object) =>
    fetch(`${all.server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${all.token}`, ...(body ? { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json' } : {}) },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });

  /** The admin uploads an installer and publishes it with a rollout, as docs/deployment.md says. */
  async function publish(version: string, stage: string, signer = trusted, percentage = 0) {
    const bytes = signedInstaller(work, version, signer);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileName = `Crisis-Desk-${version}-x64-setup.exe`;
    expect((await api('PUT', `/v1/admin/artefacts/${sha256}`, bytes)).status).toBe(201);
    const r = await api('POST', '/v1/admin/releases', {
      version,
      notes: `Crisis Desk ${version}`,
      rollout: { stage, percentage },
      files: [{ platform: 'win32', arch: 'x64', kind: 'nsis', fileName, sha256 }],
      manifest: { version, publishable: true, artefacts: [{ file: fileName, sha256 }] },
    });
    expect(r.status, await r.clone().text()).toBe(201);
    files.set(version, { sha256, fileName });
  }

  const rollout = async (version: string, stage: string) => expect((await api('PATCH', `/v1/admin/releases/${version}`, { rollout: { stage } })).status).toBe(200);

  /** A desk at 0.1.0 on Windows, with electron-updater as the packaged app would have it. */
  function desk(o: { mode: UpdateMode; ring?: 'pilot' | 'general'; pin?: string | null; deskId?: string }) {
    const dir = mkdtempSync(path.join(work, 'desk-'));
    const appUpdateConfigPath = path.join(dir, 'app-update.yml');
    // As scripts/release/dist.ts writes it into resources/ from the signing certificate.
    writeFileSync(appUpdateConfigPath, appUpdateYml(PUBLISHER));
    const app = { version: '0.1.0', name: 'Crisis Desk', isPackaged: true, appUpdateConfigPath, userDataPath: path.join(dir, 'user'), baseCachePath: path.join(dir, 'cache'), whenReady: async () => {}, relaunch: vi.fn(), quit: vi.fn(), onQuit: () => {} };
    const updater = new NsisUpdater(undefined, app);
    // Electron's net module is the boundary: Node's HTTP in its place.
    (updater as unknown as { httpExecutor: NodeHttpExecutor }).httpExecutor = new NodeDownloadExecutor();
    // Windows' Get-AuthenticodeSignature is the boundary: osslsigncode checks the same signature here.
    updater.verifyUpdateCodeSignature = async (publisherNames: string[], file: string) => {
      const v = verifyFile(file, caBundle);
      if (!v.ok) return `the signature does not verify (${v.detail})`;
      const cn = commonName(v.signer);
      return cn && publisherNames.includes(cn) ? null : `it is signed by ${cn ?? 'nobody'}, not ${publisherNames.join(' or ')}`;
    };
    // The operating system is a boundary too: this Linux machine plays a Windows desk (latest.yml, the .exe).
    (updater as unknown as { _testOnlyOptions: { platform: string } })._testOnlyOptions = { platform: 'win32' };
    const install = vi.spyOn(updater, 'quitAndInstall').mockImplementation(() => {});
    const activity: DeskActivity = { callOpen: false, savePending: false };
    const states: UpdateState[] = [];
    const deskId = o.deskId ?? randomUUID();
    const controller = new UpdateController({
      updater,
      serverUrl: all.server.url,
      mode: o.mode,
      ring: o.ring ?? 'general',
      pinVersion: o.pin ?? null,
      currentVersion: '0.1.0',
      platform: 'win32',
      arch: 'x64',
      policyHash: 'a1b2c3d4e5f60718',
      deskId: () => deskId,
      accessToken: async () => all.token,
      activity: () => activity,
      idle: () => true,
      lastSyncAt: () => '2026-12-01T10:00:00.000Z',
      fetch,
      onState: (s) => states.push(s),
      log: { info: (m) => process.env.UPDATE_LOG && console.log(m), warn: (m) => process.env.UPDATE_LOG && console.log(m) },
    });
    return { controller, install, activity, states, deskId, cacheDir: app.baseCachePath };
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'crisis-desk-updates-'));
    trusted = certificate(work, PUBLISHER);
    stranger = certificate(work, 'Someone Else Ltd');
    caBundle = path.join(work, 'ca.pem');
    writeFileSync(caBundle, readFileSync(trusted.cert, 'utf8') + readFileSync(stranger.cert, 'utf8'));
    const t = await createTestDatabase();
    db = connectPostgres(t.url);
    drop = t.drop;
    all = await startAllRoutesServer(db);
  }, 60_000);

  afterAll(async () => {
    await all?.close();
    await drop?.();
    rmSync(work, { recursive: true, force: true });
  });

  it('follows the rings: a pilot release reaches pilot desks only, then every desk', async () => {
    await publish('0.2.0', 'pilot');
    const general = desk({ mode: 'notify' });
    await general.controller.check();
    expect(general.controller.current.status).toBe('up-to-date');
    const pilot = desk({ mode: 'notify', ring: 'pilot' });
    await pilot.controller.check();
    expect(pilot.controller.current).toEqual({ status: 'ready', version: '0.2.0' });
    expect(pilot.states.map((s) => s.status).filter((s, i, all) => s !== all[i - 1])).toEqual(['checking', 'downloading', 'ready']);
    // The downloaded installer is the published one, byte for byte.
    const downloaded = readdirSync(path.join(pilot.cacheDir, 'crisis-desk-updater', 'pending')).filter((f) => f.endsWith('.exe'));
    expect(downloaded).toHaveLength(1);
    // Notify: nothing installs by itself.
    expect(pilot.install).not.toHaveBeenCalled();
    await rollout('0.2.0', 'all');
    await general.controller.check();
    expect(general.controller.current).toEqual({ status: 'ready', version: '0.2.0' });
  });

  it('automatic: never restarts while a call record is open or a save is pending, then restarts once', async () => {
    const d = desk({ mode: 'automatic' });
    d.activity.callOpen = true;
    await d.controller.check();
    expect(d.controller.current).toMatchObject({ status: 'waiting', version: '0.2.0', why: expect.stringContaining('call record is closed') });
    expect(d.controller.installNow()).toMatchObject({ ok: false, message: expect.stringContaining('call record is open') });
    d.activity.callOpen = false;
    d.activity.savePending = true;
    d.controller.activityChanged();
    await d.controller.check();
    expect(d.controller.current).toMatchObject({ status: 'waiting', why: expect.stringContaining('saved') });
    expect(d.install).not.toHaveBeenCalled();
    d.activity.savePending = false;
    d.controller.activityChanged();
    await vi.waitFor(() => expect(d.install).toHaveBeenCalledTimes(1));
    expect(d.install).toHaveBeenCalledWith(true, true);
    expect(d.controller.current).toEqual({ status: 'installing', version: '0.2.0' });
    d.controller.stop();
  });

  it('notify: installs when the clinician asks, and only with no call open', async () => {
    const d = desk({ mode: 'notify' });
    await d.controller.check();
    d.activity.callOpen = true;
    expect(d.controller.installNow().ok).toBe(false);
    d.activity.callOpen = false;
    expect(d.controller.installNow()).toEqual({ ok: true });
    expect(d.install).toHaveBeenCalledTimes(1);
  });

  it('never goes beyond a pinned version, and asks nothing with updates off', async () => {
    const pinned = desk({ mode: 'automatic', pin: '0.1.5' });
    await pinned.controller.check();
    expect(pinned.controller.current.status).toBe('up-to-date');
    expect(pinned.install).not.toHaveBeenCalled();
    const off = desk({ mode: 'off' });
    const spy = vi.spyOn(NsisUpdater.prototype, 'checkForUpdates');
    await off.controller.check();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(off.controller.current.status).toBe('off');
  });

  it('refuses a download that does not match its published sha512, saying what IT can do', async () => {
    await publish('0.3.0', 'all');
    const { sha256 } = files.get('0.3.0')!;
    // Someone alters the copy a node serves from its cache folder (same size, other bytes).
    const cacheFile = path.join(artefactCacheDir(all.server.deps.config.DATA_DIR), sha256);
    const warm = desk({ mode: 'notify' });
    await warm.controller.check();
    expect(warm.controller.current).toEqual({ status: 'ready', version: '0.3.0' });
    await vi.waitFor(() => expect(readdirSync(artefactCacheDir(all.server.deps.config.DATA_DIR))).toContain(sha256));
    const bytes = readFileSync(cacheFile);
    bytes[200] = bytes[200]! ^ 0xff;
    writeFileSync(cacheFile, bytes);
    const d = desk({ mode: 'automatic' });
    await d.controller.check();
    expect(d.controller.current).toMatchObject({ status: 'refused', version: '0.3.0', message: expect.stringMatching(/does not match the sha512.*not installed.*IT:/s) });
    expect(d.install).not.toHaveBeenCalled();
    // Nothing half-verified is kept for the next start.
    const pending = path.join(d.cacheDir, 'crisis-desk-updater', 'pending');
    expect(readdirSync(pending, { withFileTypes: true }).filter((f) => f.name.endsWith('.exe'))).toEqual([]);
    // The server's cache is only a cache: deleted, the database's bytes are served and accepted.
    rmSync(cacheFile);
    const again = desk({ mode: 'notify' });
    await again.controller.check();
    expect(again.controller.current).toEqual({ status: 'ready', version: '0.3.0' });
  });

  it('refuses an installer signed by another publisher', async () => {
    await publish('0.4.0', 'all', stranger);
    const d = desk({ mode: 'automatic' });
    await d.controller.check();
    expect(d.controller.current).toMatchObject({ status: 'refused', version: '0.4.0', message: expect.stringMatching(/not signed by this app's publisher.*Someone Else Ltd.*IT:/s) });
    expect(d.install).not.toHaveBeenCalled();
    await rollout('0.4.0', 'withdrawn');
  });

  it('reports every desk to the fleet view, with its version, ring, policy hash and last sync', async () => {
    const d = desk({ mode: 'off', ring: 'pilot' });
    await d.controller.check();
    const fleet = (await (await api('GET', '/v1/admin/fleet?staleDays=3')).json()) as { desks: Record<string, unknown>[]; behindRing: string[]; byVersion: { version: string; desks: number }[] };
    const mine = fleet.desks.find((x) => x.deskId === d.deskId);
    expect(mine).toMatchObject({ version: '0.1.0', platform: 'win32', ring: 'pilot', updateMode: 'off', policyHash: 'a1b2c3d4e5f60718', lastSyncAt: '2026-12-01T10:00:00.000Z', behindRingBy: '0.3.0' });
    expect(fleet.behindRing).toContain(d.deskId);
    expect(fleet.byVersion.find((v) => v.version === '0.1.0')!.desks).toBeGreaterThanOrEqual(8);
  });
});
