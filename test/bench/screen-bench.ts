/*
 * The clinician's screen, measured through the browser host in Debian's Chromium (Playwright):
 *   - keystroke → results painted: realistic queries typed a key at a time at a person's pace;
 *     the screen's own performance measure `crisis-desk:keystroke-to-paint` (from the key to the
 *     frame after the results were rendered) is read from the page;
 *   - start → usable search: from spawning the host (bundled, as it ships: no TypeScript loader)
 *     on a desk that already holds a 100k directory, to the first results painted for a query
 *     typed as soon as the search box is there;
 *   - the renderer's JS heap after the typing (CDP, after a garbage collection).
 * The host runs as its own process, like the product; Chromium is started once, as a browser
 * already open on the desk would be.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CORE_PROCESS_ENV, CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { launchHost, stopProcess } from '../support/host-process';
import { bundleHost, ensureHostDeskDirectory, HOST_DESK_SEED, RENDERER } from './host-desk';
import { median, mib, round, summary } from './stats';

const root = path.resolve(import.meta.dirname, '../..');
const MEASURE = 'crisis-desk:keystroke-to-paint';
/** The screen's own part of a keystroke: from the answer reaching the screen's store to the frame showing it. */
const ANSWER_MEASURE = 'crisis-desk:answer-to-paint';
/** The rest of each keystroke measured, split (renderer/src/stores/directory.ts): key → its search sent, sent → answered. */
const KEY_SEND_MEASURE = 'crisis-desk:keystroke-to-send';
const TRIP_MEASURE = 'crisis-desk:search-trip';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** What a clinician types, with the filters already set (postcode, open now, age) as during a call. */
export const SCREEN_QUERIES: { filters: { postcode?: string; openNow?: boolean; age?: string }; text: string }[] = [
  { filters: {}, text: 'sanctuary' },
  { filters: {}, text: 'crisis cafe' },
  { filters: {}, text: 'safe haven' },
  { filters: {}, text: 'home treatment' },
  { filters: {}, text: 'camberwell' },
  { filters: {}, text: 'bereavement' },
  { filters: { postcode: 'SE5 8AZ', openNow: true }, text: 'crisis' },
  { filters: { postcode: 'SE5 8AZ', openNow: true }, text: 'talking' },
  { filters: { postcode: 'M1 1AE', age: '16' }, text: 'young people' },
  { filters: { postcode: 'LS1 4', openNow: true }, text: 'haven' },
];

/** Gaps between keys, ms: a seeded spread from a fast typist (60 ms) to a hesitant one (260 ms). */
function keyGaps(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 60 + Math.round((s / 2 ** 32) * 200);
  };
}

interface RunFigures {
  hostReadyMs: number;
  screenReadyMs: number;
  firstPaintMs: number;
  latencies: number[];
  answerToPaint: number[];
  /** Per keystroke measured, beside `latencies`: key → sent, sent → answered (empty when the screen does not mark them). */
  keyToSend: number[];
  trip: number[];
  keystrokes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** The renderer's main thread during the typing (CDP Performance metrics): less sensitive to a loaded machine than wall time. */
  rendererTaskMs: number;
  rendererScriptMs: number;
  /** The host process's CPU time when it first answered, and at the end of the run (/proc). */
  hostCpuAtReadyMs: number | null;
  hostCpuMs: number | null;
}

/** CPU time (user + system) a process has used so far, from /proc; null where there is none. */
function cpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms (USER_HZ)
  } catch {
    return null;
  }
}

const startHost = (bundleFile: string, dataDir: string) =>
  launchHost(process.execPath, [...CORE_PROCESS_V8_FLAGS, bundleFile, '--data', dataDir, '--renderer', RENDERER, '--port', '0'], { cwd: root, env: { ...process.env, ...CORE_PROCESS_ENV } });

const measures = (page: Page, name = MEASURE) => page.evaluate((n) => performance.getEntriesByName(n, 'measure').map((e) => e.duration), name);

async function setFilters(page: Page, f: (typeof SCREEN_QUERIES)[number]['filters']) {
  await page.locator('#directory-postcode').fill(f.postcode ?? '');
  await page.locator('#directory-age').fill(f.age ?? '');
  const open = page.locator('#directory-open-now');
  if ((await open.isChecked()) !== Boolean(f.openNow)) await open.setChecked(Boolean(f.openNow));
  await page.waitForTimeout(600); // the postcode and age searches settle
}

async function oneRun(browser: Browser, bundleFile: string, dataDir: string, run: number): Promise<RunFigures> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  const started = Date.now();
  const host = startHost(bundleFile, dataDir);
  try {
    const url = await host.url;
    const hostReadyMs = Date.now() - started;
    const hostCpuAtReadyMs = cpuMs(host.child.pid);
    await page.goto(url);
    const search = page.locator('#directory-search');
    await search.waitFor({ state: 'visible' });
    const screenReadyMs = Date.now() - started;
    await search.focus();
    await page.keyboard.type('sanct');
    await page.waitForFunction((name) => performance.getEntriesByName(name, 'measure').length > 0, MEASURE, { polling: 'raf' });
    const firstPaintMs = await page.evaluate(
      ({ name, startedAt }) => {
        const m = performance.getEntriesByName(name, 'measure')[0]!;
        return performance.timeOrigin + m.startTime + m.duration - startedAt;
      },
      { name: MEASURE, startedAt: started },
    );
    await page.evaluate(() => performance.clearMeasures());

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metric = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
    const before = await metric();
    const gap = keyGaps(1000 + run);
    let keystrokes = 0;
    for (const q of SCREEN_QUERIES) {
      await setFilters(page, q.filters);
      await search.focus();
      await search.fill(''); // select all and delete: one more keystroke
      keystrokes++;
      await page.waitForTimeout(300);
      for (const ch of q.text) {
        await page.keyboard.type(ch);
        keystrokes++;
        await page.waitForTimeout(gap());
      }
      await page.waitForTimeout(600);
    }
    const latencies = await measures(page);
    const answerToPaint = await measures(page, ANSWER_MEASURE);
    const keyToSend = await measures(page, KEY_SEND_MEASURE);
    const trip = await measures(page, TRIP_MEASURE);
    const after = await metric();
    const rendererTaskMs = (after.TaskDuration! - before.TaskDuration!) * 1000;
    const rendererScriptMs = (after.ScriptDuration! - before.ScriptDuration!) * 1000;
    const hostCpuMs = cpuMs(host.child.pid);

    await cdp.send('HeapProfiler.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    return { hostReadyMs, screenReadyMs, firstPaintMs, latencies, answerToPaint, keyToSend, trip, keystrokes, heapUsedBytes: heap.usedSize, heapTotalBytes: heap.totalSize, rendererTaskMs, rendererScriptMs, hostCpuAtReadyMs, hostCpuMs };
  } finally {
    await context.close();
    await stopProcess(host.child);
  }
}

/**
 * Each keystroke measured in its parts: key → the search answering it sent (the screen, and waiting
 * for a search already on its way), sent → answered (the socket both ways, the host, the core),
 * answered → painted (the rest: the store, React, style, layout, paint, the frame). The mean of each
 * over the slowest 5 % says which part a p95 miss is made of.
 */
function keystrokeSplit(runs: RunFigures[]) {
  const rows = runs.flatMap((r) => (r.keyToSend.length === r.latencies.length ? r.latencies.map((total, i) => ({ total, keyToSend: r.keyToSend[i]!, trip: r.trip[i]! })) : []));
  if (rows.length === 0) return null;
  const parts = rows.map((r) => ({ ...r, toPaint: r.total - r.keyToSend - r.trip }));
  const p95 = summary(parts.map((r) => r.total)).p95;
  const slow = parts.filter((r) => r.total >= p95);
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    keyToSend: summary(parts.map((r) => r.keyToSend)),
    trip: summary(parts.map((r) => r.trip)),
    answerToPaint: summary(parts.map((r) => r.toPaint)),
    slowest: { n: slow.length, total: mean(slow.map((r) => r.total)), keyToSend: mean(slow.map((r) => r.keyToSend)), trip: mean(slow.map((r) => r.trip)), answerToPaint: mean(slow.map((r) => r.toPaint)) },
  };
}

/** The JavaScript the page loads before its first paint (the entry and its modulepreloads), and what loads later on first use. */
function firstBundle(): { firstPathKiB: number; lazyKiB: number; files: string[] } {
  const html = readFileSync(path.join(RENDERER, 'index.html'), 'utf8');
  const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const all = readdirSync(path.join(RENDERER, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
  const kib = (files: string[]) => round(files.reduce((n, f) => n + statSync(path.join(RENDERER, f)).size, 0) / 1024);
  return { firstPathKiB: kib(first), lazyKiB: kib(all.filter((f) => !first.includes(f))), files: first };
}

export async function runScreenBench(opts: { workDir: string; count: number; runs: number }) {
  const dataDir = path.join(opts.workDir, 'screen');
  console.log(`screen: directory of ${opts.count.toLocaleString()} services…`);
  const directory = ensureHostDeskDirectory(dataDir, opts.count);
  if (process.env.BENCH_SKIP_BUILD !== '1' || !existsSync(path.join(RENDERER, 'index.html'))) {
    console.log('screen: building the screen…');
    execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  }
  const bundleFile = await bundleHost();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const runs: RunFigures[] = [];
  try {
    // A first start opens desk.db for the first time and warms the file cache: not counted.
    console.log('screen: warm-up start');
    await oneRun(browser, bundleFile, dataDir, 0);
    for (let i = 1; i <= opts.runs; i++) {
      console.log(`screen: run ${i}/${opts.runs}`);
      runs.push(await oneRun(browser, bundleFile, dataDir, i));
    }
  } finally {
    await browser.close();
  }
  const all = runs.flatMap((r) => r.latencies);
  const split = keystrokeSplit(runs);
  const keystrokes = runs.reduce((n, r) => n + r.keystrokes, 0);
  return {
    services: opts.count,
    seed: HOST_DESK_SEED,
    directory: { fileMiB: directory.fileMiB, generatedAndWrittenMs: directory.generatedMs },
    browser: 'Debian Chromium (headless), 1366×768, through the browser host (loopback WebSocket)',
    keystrokeToPaint: {
      ...summary(all),
      keystrokes,
      /** Keystrokes that needed no new search (a first letter, or the same query again): nothing to paint. */
      keystrokesWithoutSearch: keystrokes - all.length,
      /** The screen's own part: from each answer reaching the screen to the frame showing it (the rest is the core, the host and the socket). */
      answerToPaint: summary(runs.flatMap((r) => r.answerToPaint)),
      /** Each keystroke split into its parts; `slowest` is the mean of each part over the keystrokes at or above the p95. */
      split,
      queries: SCREEN_QUERIES.map((q) => ({ ...q.filters, text: q.text })),
      target: 'p95 ≤ 30 ms',
      peer: 'none measured (no peer screen runs on this machine)',
    },
    startToUsable: {
      runs: runs.length,
      medianHostReadyMs: round(median(runs.map((r) => r.hostReadyMs))),
      medianScreenReadyMs: round(median(runs.map((r) => r.screenReadyMs))),
      medianFirstResultsPaintedMs: round(median(runs.map((r) => r.firstPaintMs))),
      each: runs.map((r) => round(r.firstPaintMs)),
      target: 'start to usable search ≤ 1 s',
      peer: 'none measured',
    },
    firstBundle: firstBundle(),
    cpu: {
      /** The renderer's main-thread time per keystroke typed (tasks; script within them), median of runs. */
      rendererTaskMsPerKeystroke: round(median(runs.map((r) => r.rendererTaskMs / r.keystrokes))),
      rendererScriptMsPerKeystroke: round(median(runs.map((r) => r.rendererScriptMs / r.keystrokes))),
      /** The host's CPU time until it first answered (Node start, the bundle, opening the desk), median of runs. */
      hostCpuAtReadyMs: runs.every((r) => r.hostCpuAtReadyMs !== null) ? round(median(runs.map((r) => r.hostCpuAtReadyMs!))) : null,
    },
    rendererHeap: { medianUsedMiB: mib(median(runs.map((r) => r.heapUsedBytes))), medianTotalMiB: mib(median(runs.map((r) => r.heapTotalBytes))) },
  };
}

export function printScreenFigures(f: Awaited<ReturnType<typeof runScreenBench>>): void {
  const k = f.keystrokeToPaint;
  const s = f.startToUsable;
  console.log(`\nScreen, ${f.services.toLocaleString()} services (${f.browser})`);
  console.log(`keystroke → painted   p50 ${k.p50} ms  p95 ${k.p95} ms  p99 ${k.p99} ms  max ${k.max} ms  (${k.n} keystrokes measured of ${k.keystrokes}; ${k.keystrokesWithoutSearch} needed no search)   target ${k.target}   peer: ${k.peer}`);
  console.log(`  of which the screen  answer → painted p50 ${k.answerToPaint.p50} ms  p95 ${k.answerToPaint.p95} ms (${k.answerToPaint.n} answers; the rest is the core, the host and the socket)`);
  if (k.split) {
    const p = k.split;
    console.log(`  each keystroke split key → sent p50 ${p.keyToSend.p50} p95 ${p.keyToSend.p95} ms · sent → answered (socket, host, core) p50 ${p.trip.p50} p95 ${p.trip.p95} ms · answered → painted p50 ${p.answerToPaint.p50} p95 ${p.answerToPaint.p95} ms`);
    console.log(`  the slowest 5 % (${p.slowest.n}, mean ${p.slowest.total} ms): key → sent ${p.slowest.keyToSend} · sent → answered ${p.slowest.trip} · answered → painted ${p.slowest.answerToPaint} ms`);
  }
  console.log(`start → usable        ${s.medianFirstResultsPaintedMs} ms (host ready ${s.medianHostReadyMs} ms, screen ready ${s.medianScreenReadyMs} ms; runs ${s.each.join(', ')})   target ${s.target}   peer: ${s.peer}`);
  console.log(`first bundle          ${f.firstBundle.firstPathKiB} KiB of JavaScript before the first paint (${f.firstBundle.lazyKiB} KiB more on first use)`);
  console.log(`CPU                   renderer ${f.cpu.rendererTaskMsPerKeystroke} ms of main-thread tasks per keystroke (${f.cpu.rendererScriptMsPerKeystroke} ms script); host ${f.cpu.hostCpuAtReadyMs ?? '–'} ms of CPU until it answered`);
  console.log(`renderer JS heap      ${f.rendererHeap.medianUsedMiB} MiB used (${f.rendererHeap.medianTotalMiB} MiB allocated)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { tmpdir } = await import('node:os');
  const figures = await runScreenBench({ workDir: path.join(tmpdir(), 'crisis-desk-bench'), count: Number(process.env.BENCH_SERVICES ?? 100_000), runs: Number(process.env.BENCH_RUNS ?? 3) });
  printScreenFigures(figures);
}
