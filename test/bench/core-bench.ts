import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { writeDirectoryDb } from '../../scripts/synthetic/write-directory-db';
import { bundle } from '../support/bundle';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { runChild } from './fork-child';
import { BENCH_QUERIES } from './queries';
import { median, mib, round, summary } from './stats';

interface CoreFigures {
  openMs: number;
  openToFirstResultMs: number;
  processStartToFirstResultMs: number;
  latencies: Record<string, number[]>;
  /** CPU time of the core's process per query, in the same order as latencies. */
  cpu: Record<string, number[]>;
  totals: Record<string, number[]>;
  saveMs: number[];
  rssBytes: number;
  heapUsedBytes: number;
}

interface PeerFigures {
  buildMs: number;
  heapDeltaBytes: number;
  rssBytes: number;
  rssDeltaBytes: number;
  latencies: Record<string, number[]>;
  totals: Record<string, number[]>;
}

const here = import.meta.dirname;
const GEO_DIR = path.resolve(here, '../../data/geo');
// Wednesday 25 November 2026, 20:30 in London: an evening, when the most services differ.
const NOW = '2026-11-25T20:30:00Z';
const SEED = 42;

const all = (m: Record<string, number[]>) => Object.values(m).flat();

export async function runCoreBench(opts: { workDir: string; count: number; runs: number; rounds: number; saves: number }) {
  const dataDir = path.join(opts.workDir, 'core');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  console.log(`core: generating ${opts.count.toLocaleString()} services…`);
  let t = performance.now();
  const services = generateDirectory({ seed: SEED, count: opts.count, sectors: loadEnglandSectors(GEO_DIR) });
  const generateMs = performance.now() - t;
  t = performance.now();
  const dbFile = path.join(dataDir, 'directory.db');
  writeDirectoryDb(dbFile, services, { version: '1', publishedAt: '2026-11-01T00:00:00.000Z' });
  const writeMs = performance.now() - t;
  const dbBytes = statSync(dbFile).size;

  const coreChild = await bundle(path.join(here, 'core-child.ts'));
  const peerChild = await bundle(path.join(here, 'minisearch-child.ts'));
  // One desk key for every run: the runs reopen the same desk.db, as a restarted desk would.
  const keyHex = randomBytes(32).toString('hex');
  const job = { dataDir, keyHex, geoDir: GEO_DIR, nowIso: NOW, queries: BENCH_QUERIES, rounds: opts.rounds, saves: opts.saves };
  const runs: CoreFigures[] = [];
  for (let i = 0; i < opts.runs; i++) {
    console.log(`core: run ${i + 1}/${opts.runs}`);
    runs.push(await runChild<CoreFigures>(coreChild, { ...job, saves: i === 0 ? opts.saves : 0 }, CORE_PROCESS_V8_FLAGS, CORE_PROCESS_ENV));
  }
  console.log('core: peer (MiniSearch)…');
  const peer = await runChild<PeerFigures>(peerChild, { geoDir: GEO_DIR, seed: SEED, count: opts.count, nowIso: NOW, queries: BENCH_QUERIES, rounds: opts.rounds });

  const merged = (pick: (r: CoreFigures) => Record<string, number[]>) => {
    const out: Record<string, number[]> = {};
    for (const r of runs) for (const [k, v] of Object.entries(pick(r))) (out[k] ??= []).push(...v);
    return out;
  };
  const searchByCategory = merged((r) => r.latencies);
  const cpuByCategory = merged((r) => r.cpu);
  const figures = {
    services: opts.count,
    seed: SEED,
    evaluatedAt: NOW,
    directory: { generateMs: round(generateMs), writeMs: round(writeMs), fileMiB: mib(dbBytes) },
    search: {
      all: summary(all(searchByCategory)),
      byCategory: Object.fromEntries(Object.entries(searchByCategory).map(([k, v]) => [k, summary(v)])),
      cpu: { all: summary(all(cpuByCategory)), byCategory: Object.fromEntries(Object.entries(cpuByCategory).map(([k, v]) => [k, summary(v)])) },
      matchesPerQuery: runs[0]!.totals,
      target: 'p95 ≤ 5 ms',
    },
    durableSave: { ...summary(runs[0]!.saveMs), target: 'p99 ≤ 5 ms' },
    coldOpen: {
      runs: runs.length,
      medianOpenMs: round(median(runs.map((r) => r.openMs))),
      medianOpenToFirstResultMs: round(median(runs.map((r) => r.openToFirstResultMs))),
      medianProcessStartToFirstResultMs: round(median(runs.map((r) => r.processStartToFirstResultMs))),
      target: 'start to usable search ≤ 1 s',
    },
    memory: { medianRssMiB: mib(median(runs.map((r) => r.rssBytes))), medianHeapUsedMiB: mib(median(runs.map((r) => r.heapUsedBytes))), target: 'RSS ≤ 150 MiB' },
    peer: {
      name: 'MiniSearch 7 (in-memory full-text index, same filters in a callback)',
      buildMs: round(peer.buildMs),
      heapMiB: mib(peer.heapDeltaBytes),
      rssMiB: mib(peer.rssBytes),
      search: {
        all: summary(all(peer.latencies)),
        byCategory: Object.fromEntries(Object.entries(peer.latencies).map(([k, v]) => [k, summary(v)])),
        matchesPerQuery: peer.totals,
      },
    },
  };
  return figures;
}

export function printCoreFigures(f: Awaited<ReturnType<typeof runCoreBench>>): void {
  const rows: [string, string, string, string][] = [
    ['search, all queries', `p50 ${f.search.all.p50} ms  p95 ${f.search.all.p95} ms`, `p50 ${f.peer.search.all.p50} ms  p95 ${f.peer.search.all.p95} ms`, f.search.target],
    ...Object.keys(f.search.byCategory).map((k): [string, string, string, string] => [
      `  ${k}`,
      `p50 ${f.search.byCategory[k]!.p50} ms  p95 ${f.search.byCategory[k]!.p95} ms  (CPU p95 ${f.search.cpu.byCategory[k]?.p95} ms)`,
      `p50 ${f.peer.search.byCategory[k]?.p50} ms  p95 ${f.peer.search.byCategory[k]?.p95} ms`,
      '',
    ]),
    [
      '  CPU time, all queries',
      `p50 ${f.search.cpu.all.p50} ms  p95 ${f.search.cpu.all.p95} ms`,
      '',
      'wall ≈ CPU on a quiet machine',
    ],
    ['durable save (fsync)', `p50 ${f.durableSave.p50} ms  p99 ${f.durableSave.p99} ms`, '—', f.durableSave.target],
    ['cold open → first result', `${f.coldOpen.medianOpenToFirstResultMs} ms (open ${f.coldOpen.medianOpenMs} ms)`, `index build ${f.peer.buildMs} ms`, f.coldOpen.target],
    ['memory', `RSS ${f.memory.medianRssMiB} MiB`, `RSS ${f.peer.rssMiB} MiB (index heap ${f.peer.heapMiB} MiB)`, f.memory.target],
  ];
  console.log(`\nCore, ${f.services.toLocaleString()} services (directory.db ${f.directory.fileMiB} MiB, generated in ${f.directory.generateMs} ms, written in ${f.directory.writeMs} ms)`);
  console.log(['what'.padEnd(28), 'Crisis Desk core'.padEnd(52), 'MiniSearch peer'.padEnd(40), 'target'].join(''));
  for (const [a, b, c, d] of rows) console.log([a.padEnd(28), b.padEnd(52), c.padEnd(40), d].join(''));
}
