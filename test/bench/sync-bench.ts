/*
 * Sync, side by side with PouchDB replication (DESIGN.md §5 and §10). On the same
 * synthetic directory in the same run: a new desk's bootstrap (our snapshot path, our paging path,
 * PouchDB's replicate.from), catch-up of 1,000 changes and of none, a push of 1,000 call records
 * queued during an outage, the same push replayed, and the desk's peak memory while bootstrapping.
 * Every desk is a fresh bundled process (sync-desk-child.ts, pouch-desk-child.ts); both servers are
 * processes of their own on loopback.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { bundle } from '../support/bundle';
import { bundlePeer } from './bundle-peer';
import { runChild } from './fork-child';
import { PouchRemote } from './pouch-remote';
import { mib, round } from './stats';
import { DirectoryVersions, pouchDoc } from './sync-directory-versions';
import type { BootstrapAnswer, CatchUpAnswer, JobBody, PushAnswer, SyncJob } from './sync-jobs';
import { syncFigures, type SyncSamples } from './sync-report';
import { SyncStack } from './sync-stack';

const here = import.meta.dirname;
const GEO_DIR = path.resolve(here, '../../data/geo');
const SEED = 42;
const CHANGES = 1000;
const RECORDS = 1000;
const NONE_CHECKS = 5;
const DIRECTORY_DB = 'directory';
const CALLS_DB = 'calls';

export interface SyncBenchOptions {
  workDir: string;
  count: number;
  runs: number;
  /** Push runs (at least 5: the push is reported as a p95). */
  pushRuns?: number;
}

const log = (m: string) => console.log(`sync: ${m}`);

/** A bootstrap must end with every service on the desk. */
function whole(a: BootstrapAnswer, count: number): BootstrapAnswer {
  if (a.services !== count) throw new Error(`a bootstrapped desk holds ${a.services} services, not ${count}`);
  return a;
}

export async function runSyncBench(opts: SyncBenchOptions) {
  const root = path.join(opts.workDir, 'sync');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dir = (name: string) => path.join(root, name);
  const loadAtStart = os.loadavg();

  log(`generating ${opts.count.toLocaleString()} services…`);
  const versions = new DirectoryVersions(generateDirectory({ seed: SEED, count: opts.count, sectors: loadEnglandSectors(GEO_DIR) }), Math.min(CHANGES, opts.count));

  const stack = new SyncStack(dir('server'));
  const pouch = new PouchRemote();
  try {
    log('starting PostgreSQL, the central API and the PouchDB server…');
    await stack.start();
    await pouch.start(dir('pouch-server'));
    const [ours, peer] = await Promise.all([bundle(path.join(here, 'sync-desk-child.ts')), bundlePeer(path.join(here, 'pouch-desk-child.ts'))]);

    log('publishing version 1 (and its snapshot); loading the same documents into PouchDB…');
    const published = await stack.publish(versions.services);
    const t = performance.now();
    await pouch.createDb(DIRECTORY_DB);
    await pouch.createDb(CALLS_DB);
    await pouch.bulk(DIRECTORY_DB, versions.services.map(pouchDoc));
    const pouchLoadMs = performance.now() - t;

    const deskToken = await stack.token('bench-desk');
    const keyHex = randomBytes(32).toString('hex');
    const ourJob = (job: JobBody): SyncJob => ({ ...job, serverUrl: stack.url, token: deskToken, geoDir: GEO_DIR, keyHex });
    const peerJob = (job: JobBody, db: string): SyncJob => ({ ...job, serverUrl: pouch.url(db) });

    const s: SyncSamples = { bootstrap: { snapshot: [], pages: [], pouchdb: [] }, catchUp: { ours: [], pouchdb: [] }, push: { ours: [], pouchdb: [] } };
    // The desks of the first run are kept: they catch up afterwards.
    const kept = { ours: dir('desk-0'), pouchdb: dir('pouch-desk-0') };
    for (let r = 0; r < opts.runs; r++) {
      const probe = versions.probe();
      const snapshotDir = r === 0 ? kept.ours : dir(`desk-snapshot-${r}`);
      const pouchDir = r === 0 ? kept.pouchdb : dir(`pouch-desk-${r}`);
      log(`bootstrap run ${r + 1}/${opts.runs}: our snapshot path, our paging path, PouchDB…`);
      const pagesDir = dir(`desk-pages-${r}`);
      const job = { kind: 'bootstrap', services: opts.count, probe } as const;
      s.bootstrap.snapshot.push(whole(await runChild<BootstrapAnswer>(ours, ourJob({ ...job, dataDir: snapshotDir, path: 'snapshot' }), CORE_PROCESS_V8_FLAGS, CORE_PROCESS_ENV), opts.count));
      s.bootstrap.pages.push(whole(await runChild<BootstrapAnswer>(ours, ourJob({ ...job, dataDir: pagesDir, path: 'pages' }), CORE_PROCESS_V8_FLAGS, CORE_PROCESS_ENV), opts.count));
      s.bootstrap.pouchdb.push(whole(await runChild<BootstrapAnswer>(peer, peerJob({ ...job, dataDir: pouchDir, path: 'replicate' }, DIRECTORY_DB)), opts.count));
      for (const d of r === 0 ? [pagesDir] : [snapshotDir, pagesDir, pouchDir]) rmSync(d, { recursive: true, force: true });
    }

    for (let r = 0; r < opts.runs; r++) {
      const changed = versions.next();
      log(`catch-up run ${r + 1}/${opts.runs}: publishing version ${versions.version} (${changed.length} services changed)…`);
      await stack.publish(versions.services);
      await pouch.change(DIRECTORY_DB, changed.map(pouchDoc));
      const probe = versions.probe();
      s.catchUp.ours.push(await runChild<CatchUpAnswer>(ours, ourJob({ kind: 'catch-up', dataDir: kept.ours, changes: changed.length, probe, noneChecks: NONE_CHECKS }), CORE_PROCESS_V8_FLAGS, CORE_PROCESS_ENV));
      s.catchUp.pouchdb.push(await runChild<CatchUpAnswer>(peer, peerJob({ kind: 'catch-up', dataDir: kept.pouchdb, changes: changed.length, probe, noneChecks: NONE_CHECKS }, DIRECTORY_DB)));
    }

    const pushRuns = opts.pushRuns ?? Math.max(5, opts.runs);
    for (let r = 0; r < pushRuns; r++) {
      log(`push run ${r + 1}/${pushRuns}: ${RECORDS} records written offline, pushed, then replayed…`);
      const user = `bench-push-${r}`;
      const token = await stack.token(user);
      const job = { kind: 'push', records: RECORDS, directoryFile: path.join(kept.ours, 'directory.db'), dataDir: dir(`push-${r}`), backupDir: dir(`push-${r}-before`) } as const;
      s.push.ours.push(await runChild<PushAnswer>(ours, { ...ourJob(job), token }, CORE_PROCESS_V8_FLAGS, CORE_PROCESS_ENV));
      const onServer = await stack.recordsOf(user);
      if (onServer !== RECORDS) throw new Error(`the server holds ${onServer} records of ${user}, not ${RECORDS}`);
      const before = await pouch.docCount(CALLS_DB);
      s.push.pouchdb.push(await runChild<PushAnswer>(peer, peerJob({ ...job, directoryFile: undefined, dataDir: dir(`pouch-push-${r}`), backupDir: dir(`pouch-push-${r}-before`) }, CALLS_DB)));
      const added = (await pouch.docCount(CALLS_DB)) - before;
      if (added !== RECORDS) throw new Error(`the PouchDB server gained ${added} records, not ${RECORDS}`);
      for (const d of ['push', 'pouch-push']) for (const suffix of ['', '-before']) rmSync(dir(`${d}-${r}${suffix}`), { recursive: true, force: true });
    }

    return syncFigures(s, {
      services: opts.count,
      seed: SEED,
      changes: versions.changes,
      records: RECORDS,
      machine: { cpus: os.cpus().length, loadAverageAtStart: loadAtStart.map((l) => round(l)), loadAverageAtEnd: os.loadavg().map((l) => round(l)) },
      directory: {
        snapshotMiB: mib(published.snapshot?.bytes ?? 0),
        publishMs: round(published.timings.publishMs),
        snapshotBuildMs: round(published.timings.snapshotMs),
        pouchLoadMs: round(pouchLoadMs),
        pouchDeskMiB: mib(dirBytes(kept.pouchdb)),
        ourDeskDirectoryMiB: mib(statSync(path.join(kept.ours, 'directory.db')).size),
      },
    });
  } finally {
    await pouch.stop();
    await stack.stop();
  }
}

/** The size of a folder's files (PouchDB's LevelDB folder), in bytes. */
function dirBytes(folder: string): number {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
}

export { printSyncFigures } from './sync-report';
