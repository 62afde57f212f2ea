/*
 * npm run bench: measures the figures of DESIGN.md §10 and writes them to bench-results/*.json.
 * Benchmarks only print and record; they never pass or fail on time.
 *   BENCH_SERVICES (default 100000)  BENCH_RUNS (default 3)  BENCH_ONLY=core,sync,link,server,nodes,screen,start,import,summaries
 *   BENCH_DESK_SECONDS (default 30): how long the server and nodes parts' 50 desks push and pull
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { printCoreFigures, runCoreBench } from './core-bench';
import { printImportFigures, runImportBench } from './import-bench';
import { printLinkFigures, runLinkBench } from './link-bench';
import { printNodesFigures, runNodesBench } from './nodes-bench';
import { printScreenFigures, runScreenBench } from './screen-bench';
import { printServerFigures, runServerBench } from './server-bench';
import { printStartFigures, runStartBench } from './start-bench';
import { printSummariesFigures, runSummariesBench } from './summaries-bench';
import { printSyncFigures, runSyncBench } from './sync-bench';

const resultsDir = path.resolve(import.meta.dirname, '../../bench-results');
const workDir = path.join(tmpdir(), 'crisis-desk-bench');
const count = Number(process.env.BENCH_SERVICES ?? 100_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const only = process.env.BENCH_ONLY?.split(',');

function record(name: string, figures: object): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, ...figures }, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

if (!only || only.includes('core')) {
  const figures = await runCoreBench({ workDir, count, runs, rounds: 20, saves: 500 });
  printCoreFigures(figures);
  record('core', figures);
}

if (!only || only.includes('sync')) {
  const figures = await runSyncBench({ workDir, count, runs });
  printSyncFigures(figures);
  record('sync', figures);
}

if (!only || only.includes('link')) {
  const figures = await runLinkBench({ workDir, count, runs });
  printLinkFigures(figures);
  record('link', figures);
}

if (!only || only.includes('server')) {
  const figures = await runServerBench({ workDir, count, runs, deskSeconds: Number(process.env.BENCH_DESK_SECONDS ?? 30) });
  printServerFigures(figures);
  record('server', figures);
}

if (!only || only.includes('nodes')) {
  const figures = await runNodesBench({ workDir, count, runs, deskSeconds: Number(process.env.BENCH_DESK_SECONDS ?? 30) });
  printNodesFigures(figures);
  record('nodes', figures);
}

if (!only || only.includes('screen')) {
  const figures = await runScreenBench({ workDir, count, runs });
  printScreenFigures(figures);
  record('screen', figures);
}

if (!only || only.includes('start')) {
  const figures = await runStartBench({ workDir, count, runs });
  printStartFigures(figures);
  record('start', figures);
}

if (!only || only.includes('import')) {
  const figures = await runImportBench({ workDir, counts: [...new Set([Math.min(10_000, count), count])] });
  printImportFigures(figures);
  record('import', figures);
}

if (!only || only.includes('summaries')) {
  const figures = await runSummariesBench({ workDir, runs });
  printSummariesFigures(figures);
  record('summaries', figures);
}
