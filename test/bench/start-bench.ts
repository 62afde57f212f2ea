/*
 * The browser host's start on a desk that already holds a 100k directory, step by step: from
 * spawning the process (bundled as it ships, with the core's V8 flags) to answering, as the host
 * itself reports it once it answers (electron/core/start-steps.ts): the code loaded, desk.db
 * opened, the directory opened with its search index built, the HTTP server answering. Beside each
 * step its CPU time (less sensitive to a busy machine than the wall clock), and the host's resident
 * memory when it answers, once its postcode tables are read (5 s later, when no search comes) and
 * at its peak. `BENCH_ONLY=start` runs it alone; start → usable on the screen is the screen part's.
 * The runs start as a desk does on most days, with the search index kept by its last start
 * (electron/core/directory/search-index-file.ts); one more start without it is the first start
 * after the directory changed while the desk was closed (the index built from the rows).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { indexFileOf } from '../../electron/core/directory/search-index-file';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { stopProcess } from '../support/host-process';
import { bundleHost, ensureHostDeskDirectory, HOST_DESK_SEED, RENDERER } from './host-desk';
import { median, round } from './stats';

const root = path.resolve(import.meta.dirname, '../..');
/** The host reads its postcode tables 5 s after it answers when no search comes (Core.warmUpWhenSearchesPause). */
const SETTLE_MS = 6000;

const STEP_LINE = /started in (\d+) ms: code (\d+) ms, desk\.db (\d+) ms, directory and search index (\d+) ms, answering (\d+) ms; (\d+) ms of CPU/;

interface StartRun {
  spawnToAnswerMs: number;
  steps: { codeMs: number; deskDbMs: number; directoryMs: number; answeringMs: number };
  cpuMs: number;
  rssAtAnswerMiB: number;
  rssSettledMiB: number;
  rssPeakMiB: number;
}

/** Resident memory now and at its peak (/proc), MiB. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: round(kib('VmRSS') / 1024, 1), peak: round(kib('VmHWM') / 1024, 1) };
}

async function oneStart(bundleFile: string, dataDir: string): Promise<StartRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...CORE_PROCESS_V8_FLAGS, bundleFile, '--data', dataDir, '--renderer', RENDERER, '--port', '0'], { cwd: root, env: { ...process.env, ...CORE_PROCESS_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let log = '';
    const line = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The browser host did not start:\n${log}`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => {
        log += d.toString();
        const m = STEP_LINE.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`The browser host exited (${code}):\n${log}`));
      });
    });
    const spawnToAnswerMs = Math.round(performance.now() - started);
    const atAnswer = rssOf(child.pid!);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settled = rssOf(child.pid!);
    const [, , code, deskDb, directory, answering, cpu] = line.map(Number) as number[];
    return {
      spawnToAnswerMs,
      steps: { codeMs: code!, deskDbMs: deskDb!, directoryMs: directory!, answeringMs: answering! },
      cpuMs: cpu!,
      rssAtAnswerMiB: atAnswer.rss,
      rssSettledMiB: settled.rss,
      rssPeakMiB: settled.peak,
    };
  } finally {
    await stopProcess(child);
  }
}

export async function runStartBench(opts: { workDir: string; count: number; runs: number }) {
  const dataDir = path.join(opts.workDir, 'start');
  console.log(`start: directory of ${opts.count.toLocaleString()} services…`);
  ensureHostDeskDirectory(dataDir, opts.count);
  if (!existsSync(path.join(RENDERER, 'index.html'))) {
    console.log('start: building the screen (the host serves it)…');
    execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  }
  const bundleFile = await bundleHost();
  console.log('start: warm-up start (creates desk.db, warms the file cache)');
  await oneStart(bundleFile, dataDir);
  const runs: StartRun[] = [];
  for (let i = 1; i <= opts.runs; i++) {
    console.log(`start: run ${i}/${opts.runs}`);
    runs.push(await oneStart(bundleFile, dataDir));
  }
  const indexFile = indexFileOf(path.join(dataDir, 'directory.db'));
  const kept = existsSync(indexFile);
  console.log('start: one start without the kept search index (as after the directory changed)');
  rmSync(indexFile, { force: true });
  const built = await oneStart(bundleFile, dataDir);
  const med = (pick: (r: StartRun) => number) => round(median(runs.map(pick)), 1);
  return {
    services: opts.count,
    seed: HOST_DESK_SEED,
    runs: runs.length,
    hostAnswering: {
      medianSpawnToAnswerMs: med((r) => r.spawnToAnswerMs),
      medianSteps: { codeMs: med((r) => r.steps.codeMs), deskDbMs: med((r) => r.steps.deskDbMs), directoryMs: med((r) => r.steps.directoryMs), answeringMs: med((r) => r.steps.answeringMs) },
      medianCpuMs: med((r) => r.cpuMs),
      each: runs.map((r) => r.spawnToAnswerMs),
      target: "the host's part of start → usable search ≤ 1 s (the whole, to results painted, is the screen part's)",
      peer: 'none measured',
      /** Whether the runs found the index kept by the start before (they should: the warm-up start keeps it when it stops). */
      indexKept: kept,
    },
    /** One start with the index built from the rows: the first after the directory changed while the desk was closed. */
    indexBuilt: { spawnToAnswerMs: built.spawnToAnswerMs, steps: built.steps, cpuMs: built.cpuMs, rssAtAnswerMiB: built.rssAtAnswerMiB, rssSettledMiB: built.rssSettledMiB },
    memory: {
      medianRssAtAnswerMiB: med((r) => r.rssAtAnswerMiB),
      medianRssSettledMiB: med((r) => r.rssSettledMiB),
      medianRssPeakMiB: med((r) => r.rssPeakMiB),
      target: 'core ≤ 150 MiB RSS (the host adds its HTTP server to the core); the core alone is the core part',
    },
  };
}

export function printStartFigures(f: Awaited<ReturnType<typeof runStartBench>>): void {
  const h = f.hostAnswering;
  const s = h.medianSteps;
  console.log(`\nStart of the browser host, ${f.services.toLocaleString()} services (median of ${f.runs})`);
  console.log(`host answering   ${h.medianSpawnToAnswerMs} ms from spawn (runs ${h.each.join(', ')}): code ${s.codeMs} ms, desk.db ${s.deskDbMs} ms, directory and search index ${s.directoryMs} ms, answering ${s.answeringMs} ms; ${h.medianCpuMs} ms of CPU   target ${h.target}   peer: ${h.peer}`);
  const b = f.indexBuilt;
  console.log(`  index built      ${b.spawnToAnswerMs} ms from spawn, one start without the kept index (the first after the directory changed): directory and search index ${b.steps.directoryMs} ms; ${b.cpuMs} ms of CPU; RSS ${b.rssAtAnswerMiB} MiB when answering${h.indexKept ? '' : '   (the runs above did not find a kept index either)'}`);
  console.log(`host memory      RSS ${f.memory.medianRssAtAnswerMiB} MiB when answering, ${f.memory.medianRssSettledMiB} MiB with the postcode tables read, peak ${f.memory.medianRssPeakMiB} MiB   target ${f.memory.target}`);
}
