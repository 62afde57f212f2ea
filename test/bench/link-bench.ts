/*
 * A new desk over a constrained link (BENCH_ONLY=link): 20 Mbit/s each way and 40 ms round trip,
 * through a throttling proxy on 127.0.0.1 (link-proxy.ts), as a desk at a trust site reaches the
 * central API. Our desk (a fresh bundled process, sync-desk-child.ts) bootstraps the whole
 * directory from the real server (the compressed snapshot, then the changes feed from its cursor)
 * until a search finds a probe service; the peer, PouchDB, replicates the same documents from
 * express-pouchdb through an identical link. Reported: time to queryable, bytes on the wire each
 * way, the ratio, and our desk's memory once queryable and at its peak.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { bundle } from '../support/bundle';
import { bundlePeer } from './bundle-peer';
import { runChild } from './fork-child';
import { LinkProxy, type LinkOptions } from './link-proxy';
import { PouchRemote } from './pouch-remote';
import { median, mib, round } from './stats';
import { DirectoryVersions, pouchDoc } from './sync-directory-versions';
import type { BootstrapAnswer } from './sync-jobs';
import { SyncStack } from './sync-stack';
import { randomBytes } from 'node:crypto';

const here = import.meta.dirname;
const GEO_DIR = path.resolve(here, '../../data/geo');
const SEED = 42;
const DIRECTORY_DB = 'directory';
export const LINK: LinkOptions = { bitsPerSecond: 20e6, rttMs: 40 };

export interface LinkBenchOptions {
  workDir: string;
  count: number;
  runs: number;
  /** PouchDB's bootstraps over the link (about 7 minutes each at 100,000 services: 20 s for 5,000): at most this many (default 1). */
  peerRuns?: number;
}

interface LinkRun {
  answer: BootstrapAnswer;
  /** Bytes desk → server and server → desk, TCP payload. */
  up: number;
  down: number;
}

const log = (m: string) => console.log(`link: ${m}`);

export async function runLinkBench(opts: LinkBenchOptions) {
  const root = path.join(opts.workDir, 'link');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dir = (name: string) => path.join(root, name);
  const loadAtStart = os.loadavg();
  log(`generating ${opts.count.toLocaleString()} services…`);
  const versions = new DirectoryVersions(generateDirectory({ seed: SEED, count: opts.count, sectors: loadEnglandSectors(GEO_DIR) }), 1);
  const stack = new SyncStack(dir('server'));
  const pouch = new PouchRemote();
  const links: LinkProxy[] = [];
  try {
    log('starting PostgreSQL, the central API and the PouchDB server…');
    await stack.start();
    await pouch.start(dir('pouch-server'));
    const [ours, peer] = await Promise.all([bundle(path.join(here, 'sync-desk-child.ts')), bundlePeer(path.join(here, 'pouch-desk-child.ts'))]);
    log('publishing the directory (and its snapshot); loading the same documents into PouchDB…');
    const published = await stack.publish(versions.services);
    await pouch.createDb(DIRECTORY_DB);
    await pouch.bulk(DIRECTORY_DB, versions.services.map(pouchDoc));

    const through = async (url: string) => {
      const u = new URL(url);
      const link = new LinkProxy({ host: u.hostname, port: Number(u.port) }, LINK);
      links.push(link);
      const base = await link.start();
      return { link, url: `${base}${u.pathname === '/' ? '' : u.pathname}` };
    };
    const ourLink = await through(stack.url);
    const peerLink = await through(pouch.url(DIRECTORY_DB));
    const token = await stack.token('bench-link-desk');
    const probe = versions.probe();
    const job = { kind: 'bootstrap', services: opts.count, probe } as const;
    const timed = async (link: LinkProxy, run: () => Promise<BootstrapAnswer>): Promise<LinkRun> => {
      link.reset();
      const answer = await run();
      if (answer.services !== opts.count) throw new Error(`a bootstrapped desk holds ${answer.services} services, not ${opts.count}`);
      return { answer, up: link.up, down: link.down };
    };

    const samples = { ours: [] as LinkRun[], pouchdb: [] as LinkRun[] };
    const peerRuns = Math.min(opts.runs, opts.peerRuns ?? 1);
    for (let r = 0; r < opts.runs; r++) {
      const deskDir = dir(`desk-${r}`);
      log(`run ${r + 1}/${opts.runs}: our new desk over the link…`);
      samples.ours.push(
        await timed(ourLink.link, () =>
          runChild<BootstrapAnswer>(ours, { ...job, path: 'snapshot', dataDir: deskDir, serverUrl: ourLink.url, token, geoDir: GEO_DIR, keyHex: randomBytes(32).toString('hex') }, CORE_PROCESS_V8_FLAGS, CORE_PROCESS_ENV),
        ),
      );
      rmSync(deskDir, { recursive: true, force: true });
      if (r < peerRuns) {
        log(`run ${r + 1}/${opts.runs}: PouchDB replicating over the same link (minutes)…`);
        const pouchDir = dir(`pouch-desk-${r}`);
        samples.pouchdb.push(await timed(peerLink.link, () => runChild<BootstrapAnswer>(peer, { ...job, path: 'replicate', dataDir: pouchDir, serverUrl: peerLink.url })));
        rmSync(pouchDir, { recursive: true, force: true });
      }
    }
    return linkFigures(samples, {
      services: opts.count,
      seed: SEED,
      link: LINK,
      snapshot: { installedMiB: mib(published.snapshot?.installed.bytes ?? 0), compressedMiB: mib(published.snapshot?.bytes ?? 0), encoding: published.snapshot?.encoding ?? null, buildMs: round(published.timings.snapshotMs) },
      machine: { cpus: os.cpus().length, loadAverageAtStart: loadAtStart.map((l) => round(l)), loadAverageAtEnd: os.loadavg().map((l) => round(l)) },
    });
  } finally {
    for (const l of links) await l.stop();
    await pouch.stop();
    await stack.stop();
  }
}

const ms = (v: number) => round(v, 0);

function side(runs: LinkRun[]) {
  return {
    medianQueryableMs: ms(median(runs.map((r) => r.answer.queryableMs))),
    queryableMs: runs.map((r) => ms(r.answer.queryableMs)),
    medianSyncedMs: ms(median(runs.map((r) => r.answer.syncedMs))),
    medianDownMiB: mib(median(runs.map((r) => r.down))),
    medianUpKiB: round(median(runs.map((r) => r.up)) / 1024, 0),
    medianPeakRssMiB: mib(median(runs.map((r) => r.answer.peakRssBytes))),
    medianRssMiB: runs.every((r) => r.answer.rssBytes !== undefined) ? mib(median(runs.map((r) => r.answer.rssBytes!))) : null,
    phaseStartsMs: runs[0]?.answer.phases ?? {},
  };
}

export function linkFigures(s: { ours: LinkRun[]; pouchdb: LinkRun[] }, context: { services: number; link: LinkOptions } & Record<string, unknown>) {
  const ours = side(s.ours);
  const pouchdb = side(s.pouchdb);
  const speedup = round(pouchdb.medianQueryableMs / ours.medianQueryableMs, 1);
  const n = context.services.toLocaleString();
  const rows = [
    { what: `new desk, ${n} services to queryable (median)`, ours: `${round(ours.medianQueryableMs / 1000, 1)} s`, pouchdb: `${round(pouchdb.medianQueryableMs / 1000, 1)} s`, ratio: `${speedup}×`, target: '≤ 20 s and ≥ 5× PouchDB' },
    { what: 'bytes on the wire, server → desk', ours: `${ours.medianDownMiB} MiB`, pouchdb: `${pouchdb.medianDownMiB} MiB`, ratio: `${round(pouchdb.medianDownMiB / ours.medianDownMiB, 1)}×`, target: '(reported)' },
    { what: 'bytes on the wire, desk → server', ours: `${ours.medianUpKiB} KiB`, pouchdb: `${pouchdb.medianUpKiB} KiB`, ratio: `${round(pouchdb.medianUpKiB / ours.medianUpKiB, 1)}×`, target: '(reported)' },
    { what: 'desk RSS once queryable (after GC)', ours: `${ours.medianRssMiB} MiB`, pouchdb: '–', ratio: '', target: 'core ≤ 150 MiB' },
    { what: 'desk peak RSS during bootstrap', ours: `${ours.medianPeakRssMiB} MiB`, pouchdb: `${pouchdb.medianPeakRssMiB} MiB`, ratio: '', target: '≤ 200 MiB' },
  ];
  return {
    ...context,
    runs: { ours: s.ours.length, pouchdb: s.pouchdb.length },
    peer: 'PouchDB 9 (pouchdb-node, LevelDB) replicating with express-pouchdb 4, default options, through an identical link',
    ours,
    pouchdb,
    speedup,
    table: rows,
  };
}

export function printLinkFigures(f: ReturnType<typeof linkFigures>): void {
  console.log(`\nNew desk over a constrained link: ${f.link.bitsPerSecond / 1e6} Mbit/s each way, ${f.link.rttMs} ms round trip (ratio: PouchDB's figure over ours)`);
  const widths = [46, 14, 14, 9];
  console.log(['what', 'Crisis Desk', 'PouchDB', 'ratio', 'target'].map((h, i) => h.padEnd(widths[i] ?? 0)).join(''));
  for (const r of f.table) console.log([r.what, r.ours, r.pouchdb, r.ratio, r.target].map((c, i) => c.padEnd(widths[i] ?? 0)).join(''));
  const phases = Object.entries(f.ours.phaseStartsMs).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');
  console.log(`  ours, phase starts in the first run (ms): ${phases}; runs ${f.ours.queryableMs.join(', ')} ms; PouchDB ${f.pouchdb.queryableMs.join(', ')} ms`);
}
