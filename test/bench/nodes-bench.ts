/*
 * Two API nodes over one PostgreSQL behind a load balancer, against one node directly,
 * in the same run: a new desk's bootstrap (the bundled desk, sync-desk-child.ts; through the
 * balancer its manifest and snapshot may come from different nodes), also with both nodes' cache
 * folders emptied first (the snapshot's bytes read from PostgreSQL), and the 50-desk load of the
 * server benchmark (server/concurrent-desks.ts) against one node and spread over two.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { artefactCacheDir } from '../../server/src/artefacts/serve';
import { CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { bundle } from '../support/bundle';
import { Balancer } from './balancer';
import { runChild } from './fork-child';
import { runConcurrentDesks, type LoadOptions } from './server/concurrent-desks';
import { startBenchEnvironment } from './server/environment';
import { loadFigures, type LoadFigures } from './server/report';
import { verifyRecords } from './server/verify-records';
import { median, mib, round } from './stats';
import { DirectoryVersions } from './sync-directory-versions';
import type { BootstrapAnswer } from './sync-jobs';
import { SyncStack } from './sync-stack';

const here = import.meta.dirname;
const GEO_DIR = path.resolve(here, '../../data/geo');
const SEED = 42;
const DESKS = 50;
/** As in the server benchmark (server-bench.ts). */
const THINK_MS = { min: 250, max: 1750 };

const log = (m: string) => console.log(`nodes: ${m}`);

export interface BootstrapWay {
  way: string;
  medianQueryableMs: number;
  medianSyncedMs: number;
  queryableMs: number[];
  /** Median start of each phase, ms after sync start. */
  phaseStartsMs: Record<string, number>;
}

export interface NodesFigures {
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  services: number;
  snapshotMiB: number;
  bootstrap: BootstrapWay[];
  desks: LoadFigures[];
}

function way(name: string, runs: BootstrapAnswer[]): BootstrapWay {
  const phases = [...new Set(runs.flatMap((r) => Object.keys(r.phases)))];
  return {
    way: name,
    medianQueryableMs: round(median(runs.map((r) => r.queryableMs)), 1),
    medianSyncedMs: round(median(runs.map((r) => r.syncedMs)), 1),
    queryableMs: runs.map((r) => round(r.queryableMs, 1)),
    phaseStartsMs: Object.fromEntries(phases.map((p) => [p, round(median(runs.flatMap((r) => (p in r.phases ? [r.phases[p]!] : []))), 1)])),
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export async function runNodesBench(opts: { workDir: string; count: number; runs: number; deskSeconds: number }): Promise<NodesFigures> {
  const root = path.join(opts.workDir, 'nodes');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dir = (name: string) => path.join(root, name);
  const loadAverageAtStart = os.loadavg().map((l) => round(l));

  log(`generating ${opts.count.toLocaleString()} services…`);
  const versions = new DirectoryVersions(generateDirectory({ seed: SEED, count: opts.count, sectors: loadEnglandSectors(GEO_DIR) }), 1);

  const stack = new SyncStack(dir('server'), 2);
  const balancer = new Balancer();
  const samples = { direct: [] as BootstrapAnswer[], balanced: [] as BootstrapAnswer[], balancedNoCache: [] as BootstrapAnswer[] };
  let snapshotMiB = 0;
  try {
    log('starting PostgreSQL, two API nodes and the balancer…');
    await stack.start();
    await balancer.start(stack.nodeList.map((n) => ({ host: '127.0.0.1', port: n.port })));
    const desk = await bundle(path.join(here, 'sync-desk-child.ts'));
    log('publishing the directory (and its snapshot)…');
    const published = await stack.publish(versions.services);
    const snapshot = published.snapshot!;
    snapshotMiB = mib(snapshot.bytes);
    const token = await stack.token('bench-desk');
    const keyHex = randomBytes(32).toString('hex');
    const bootstrap = async (serverUrl: string, name: string) => {
      const dataDir = dir(name);
      const answer = await runChild<BootstrapAnswer>(desk, { kind: 'bootstrap', services: opts.count, probe: versions.probe(), path: 'snapshot', dataDir, serverUrl, token, geoDir: GEO_DIR, keyHex }, CORE_PROCESS_V8_FLAGS);
      rmSync(dataDir, { recursive: true, force: true });
      if (answer.services !== opts.count) throw new Error(`a bootstrapped desk holds ${answer.services} services, not ${opts.count}`);
      return answer;
    };
    const cached = (n: { dataDir: string }) => existsSync(path.join(artefactCacheDir(n.dataDir), snapshot.sha256));

    for (let r = 0; r < opts.runs; r++) {
      log(`bootstrap run ${r + 1}/${opts.runs}: both nodes' caches emptied, through the balancer…`);
      for (const n of stack.nodeList) rmSync(artefactCacheDir(n.dataDir), { recursive: true, force: true });
      samples.balancedNoCache.push(await bootstrap(balancer.url, `cold-${r}`));
    }
    // The node that served the bytes fills its cache meanwhile; the other gets it here.
    for (const n of stack.nodeList) await fetch(`http://127.0.0.1:${n.port}/v1/directory/snapshots/${snapshot.sha256}`, { headers: { authorization: `Bearer ${token}`, range: 'bytes=0-0' } }).then((res) => res.arrayBuffer());
    await until('both nodes to cache the snapshot', () => stack.nodeList.every(cached));
    for (let r = 0; r < opts.runs; r++) {
      log(`bootstrap run ${r + 1}/${opts.runs}: one node directly, and through the balancer…`);
      // Alternating which goes first, so that neither always meets a warmer machine.
      const order: ['direct' | 'balanced', string][] = [
        ['direct', stack.url],
        ['balanced', balancer.url],
      ];
      if (r % 2 === 1) order.reverse();
      for (const [which, url] of order) samples[which].push(await bootstrap(url, `${which}-${r}`));
    }
  } finally {
    await balancer.stop();
    await stack.stop();
  }

  log('starting PostgreSQL and two API nodes for the desk load…');
  const env = await startBenchEnvironment({ workDir: root, desks: DESKS, nodes: 2 });
  const desks: LoadFigures[] = [];
  try {
    const referrable = generateDirectory({ seed: SEED, count: 500, sectors: loadEnglandSectors(GEO_DIR) });
    const variants: [string, string, LoadOptions['thinkMs']][] = [
      ['one node directly', env.serverUrl, THINK_MS],
      ['two nodes, balanced', env.balancerUrl!, THINK_MS],
      ['one node directly', env.serverUrl, null],
      ['two nodes, balanced', env.balancerUrl!, null],
    ];
    for (const [i, [where, url, thinkMs]] of variants.entries()) {
      const variant = `${where}, ${thinkMs ? `think time ${thinkMs.min}–${thinkMs.max} ms` : 'no think time (stress)'}`;
      log(`${DESKS} desks for ${opts.deskSeconds} s, ${variant}…`);
      const load: LoadOptions = { desks: DESKS, seconds: opts.deskSeconds, thinkMs, services: referrable, seed: SEED + 100 * (i + 1) };
      const { tally, desks: simulated } = await runConcurrentDesks({ ...env, serverUrl: url }, load);
      desks.push(loadFigures(variant, load, tally, await verifyRecords(env.db, simulated)));
    }
  } finally {
    await env.stop();
  }

  return {
    machine: { cpus: os.cpus().length, loadAverageAtStart, loadAverageAtEnd: os.loadavg().map((l) => round(l)) },
    services: opts.count,
    snapshotMiB,
    bootstrap: [
      way('one node directly (snapshot in its cache)', samples.direct),
      way('two nodes through the balancer (caches filled)', samples.balanced),
      way('two nodes through the balancer, both caches emptied first (bytes from PostgreSQL)', samples.balancedNoCache),
    ],
    desks,
  };
}

const ms = (n: number) => `${round(n, n >= 100 ? 0 : 1)} ms`;

export function printNodesFigures(f: NodesFigures): void {
  console.log(`\nAPI nodes: a new desk's bootstrap of ${f.services.toLocaleString()} services (snapshot ${f.snapshotMiB} MiB), to queryable`);
  for (const b of f.bootstrap) console.log(`  ${b.way.padEnd(84)} median ${ms(b.medianQueryableMs)} (${b.queryableMs.map(ms).join(', ')})`);
  console.log(`\nAPI nodes: ${DESKS} desks`);
  for (const l of f.desks) {
    console.log(`  ${l.variant.padEnd(60)} ${l.mutationsPerSecond} mutations/s · push p50 ${ms(l.pushMs.p50)} p99 ${ms(l.pushMs.p99)} · pull p50 ${ms(l.pullMs.p50)} p99 ${ms(l.pullMs.p99)}`);
    console.log(`  ${''.padEnd(60)} errors ${l.errors.total} · records ${l.verification.ok ? 'all exactly as written' : `${l.verification.problemCount} PROBLEMS`} · CPU: server ${l.cpu.serverCores}, PostgreSQL ${l.cpu.postgresCores}, load generator ${l.cpu.loadGeneratorCores} of ${l.cpu.cores}`);
  }
}
