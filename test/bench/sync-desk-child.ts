/*
 * Our desk, bundled, in a fresh process per job (sync-bench.ts): the product's core and sync engine
 * against the real server. The only bench-made parts are the network (a fetch that can be "down",
 * or that answers 404 for snapshot downloads to force the paging path) and a fixed access token.
 */
import { cpSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SearchResult, SyncStatus } from '../../shared/contract';
import type { CallRecord } from '../../shared/domain/call-record';
import { Core } from '../../electron/core/core';
import { DirectorySync } from '../../electron/core/sync/directory-sync';
import { OutboxPush } from '../../electron/core/sync/outbox-push';
import { SyncHttp } from '../../electron/core/sync/sync-http';
import { decodeJwt } from 'jose';
import type { SessionSnapshot, TokenSource } from '../../electron/core/sync/token-source';
import { deskUserFromClaims } from '../../shared/domain/people';
import { benchRecordContent, peakRssBytes, type BootstrapAnswer, type BootstrapJob, type CatchUpAnswer, type CatchUpJob, type Probe, type PushAnswer, type PushJob, type SyncJob } from './sync-jobs';

type Job<K> = K & SyncJob;

/** A signed-in clinician whose token the benchmark minted for the whole job (the desk files changes under its subject). */
class FixedToken implements TokenSource {
  private readonly session: SessionSnapshot;
  constructor(private readonly token: string) {
    this.session = { user: deskUserFromClaims(decodeJwt(token)), kept: [] };
  }
  accessToken = async () => this.token;
  renewAccessToken = async () => null;
  requestSignIn = () => null;
  requestSignOut() {}
  releaseSession() {}
  current = () => this.session;
  onSessionChanged() {}
}

/** The network as the desk sees it: down (connections refused) while `online` is false; snapshot downloads refused in `noSnapshots`. */
function benchNetwork(opts: { noSnapshots?: boolean }) {
  const state = { online: true };
  const pushes: PushRequestTiming[] = [];
  const fetchThrough: typeof fetch = (input, init) => {
    if (!state.online) {
      // Down as a real outage is: the request is made and its connection refused (port 1 of
      // loopback is closed), so the desk's HTTP client is loaded as it would be on a desk that
      // started offline. Rejecting before fetch left undici to be loaded on the clock (~50 ms).
      const unreachable = new URL(String(input instanceof Request ? input.url : input));
      unreachable.port = '1';
      return fetch(unreachable, init);
    }
    if (opts.noSnapshots && String(input).includes('/v1/directory/snapshots/')) {
      return Promise.resolve(new Response(JSON.stringify({ error: 'not_found', message: 'bench: no snapshot' }), { status: 404, headers: { 'content-type': 'application/json' } }));
    }
    if (String(input).includes('/v1/sync/push')) return timedPush(fetch(input, init), pushes);
    return fetch(input, init);
  };
  return { state, fetch: fetchThrough, pushes };
}

/**
 * The desk's own steps of a push, timed (ms) where the engine runs them: claiming a batch (the
 * read of its changes, its body, the durable commit) and settling an answer (recording each item).
 * Claims and settles overlap a request in flight; timed here, the split can tell them from the wire.
 */
const deskSteps = { claim: 0, settle: 0, settles: [] as number[] };
for (const step of ['claim', 'settle'] as const) {
  const original = OutboxPush.prototype[step] as (...args: unknown[]) => unknown;
  (OutboxPush.prototype[step] as unknown) = function (this: OutboxPush, ...args: unknown[]) {
    const t = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      deskSteps[step] += performance.now() - t;
      if (step === 'settle') deskSteps.settles.push(performance.now() - t);
    }
  };
}

/** One push request as the desk saw it: sent and answered (headers in), ms on this process's clock, and the server's Server-Timing. */
interface PushRequestTiming {
  sentAt: number;
  answeredAt: number;
  server: Record<string, number>;
}

async function timedPush(answer: Promise<Response>, into: PushRequestTiming[]): Promise<Response> {
  const sentAt = performance.now();
  const res = await answer;
  const server = Object.fromEntries(
    (res.headers.get('server-timing') ?? '')
      .split(',')
      .map((part) => /^\s*([\w-]+);dur=([\d.]+)/.exec(part))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, Number(m[2])]),
  );
  into.push({ sentAt, answeredAt: performance.now(), server });
  return res;
}

/**
 * Where one push's time went (ms): the desk's claims and settles in all (some during a flight), then
 * on the critical path: the desk before the first request (the
 * first claim and its body), each request's server parts (Server-Timing) and the rest of its round
 * trip (the wire: HTTP on loopback, both ends' sockets and event loops), the desk between answers
 * (reading an answer, sending the next: the next claim and the last settle overlap the flight),
 * and the desk after the last answer (reading it, its settle, the status that says nothing waits).
 */
function pushSplit(startedAt: number, doneAt: number, requests: PushRequestTiming[]): Record<string, number> {
  const split: Record<string, number> = { deskClaims: deskSteps.claim, deskSettles: deskSteps.settle, ...Object.fromEntries(deskSteps.settles.map((ms, i) => [`deskSettle${i + 1}`, ms])), deskBeforeFirst: 0, wire: 0, serverAuth: 0, serverBody: 0, serverValidate: 0, serverApply: 0, serverAnswer: 0, deskBetween: 0, deskAfterLast: 0 };
  if (requests.length === 0) return split;
  split.deskBeforeFirst = requests[0]!.sentAt - startedAt;
  requests.forEach((r, i) => {
    const s = r.server;
    split.serverAuth! += s.auth ?? 0;
    split.serverBody! += s.body ?? 0;
    split.serverValidate! += s.validate ?? 0;
    split.serverApply! += s.apply ?? 0;
    split.serverAnswer! += s.answer ?? 0;
    split.wire! += r.answeredAt - r.sentAt - (s.total ?? 0);
    if (i > 0) split.deskBetween! += r.sentAt - requests[i - 1]!.answeredAt;
  });
  split.deskAfterLast = doneAt - requests.at(-1)!.answeredAt;
  return Object.fromEntries(Object.entries(split).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

function openDesk(job: SyncJob, net?: ReturnType<typeof benchNetwork>): Core {
  return Core.open({
    dataDir: job.dataDir,
    geoDir: job.geoDir!,
    deskKey: Buffer.from(job.keyHex!, 'hex'),
    sync: net ? { serverUrl: job.serverUrl, tokens: new FixedToken(job.token!), fetch: net.fetch } : undefined,
    logError: (m) => process.stderr.write(`sync-desk-child: ${m}\n`),
  });
}

async function must<T>(core: Core, method: string, params: unknown): Promise<T> {
  const r = await core.handle(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/** A search that must find the probe under its expected name. */
async function findProbe(core: Core, probe: Probe): Promise<void> {
  const found = await must<SearchResult>(core, 'directory.search', { text: probe.text });
  const hit = found.results.find((r) => r.service.id === probe.id);
  if (hit?.service.name !== probe.name) throw new Error(`the search for "${probe.text}" did not find ${probe.id} as "${probe.name}"`);
}

/** Resolves with the first status that passes the check (the current one included). */
function whenStatus(core: Core, check: (s: SyncStatus) => boolean, timeoutMs = 120_000): Promise<SyncStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such sync status within ${timeoutMs} ms (last: ${JSON.stringify(core.sync?.status())})`)), timeoutMs);
    const done = (s: SyncStatus) => {
      clearTimeout(timer);
      off();
      resolve(s);
    };
    const off = core.on('sync.status', (s) => check(s) && done(s));
    const now = core.sync!.status();
    if (check(now)) done(now);
  });
}

/** A new desk until its first search is answered; the engine decides everything once open. */
async function bootstrap(job: Job<BootstrapJob>): Promise<BootstrapAnswer> {
  const t0 = performance.now();
  const core = openDesk(job, benchNetwork({ noSnapshots: job.path === 'pages' }));
  const start = performance.now();
  // The manifest phase began inside Core.open, which starts the engine.
  const phases: Record<string, number> = { manifest: 0 };
  core.on('sync.status', (s) => {
    const phase = s.directoryProgress?.phase;
    if (phase && !(phase in phases)) phases[phase] = performance.now() - start;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the directory did not arrive within 5 minutes')), 300_000);
    core.on('directory.updated', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const synced = performance.now();
  await findProbe(core, job.probe);
  const queryable = performance.now();
  const services = core.directory.info().services;
  globalThis.gc?.();
  const answer = { syncedMs: synced - start, queryableMs: queryable - start, openMs: start - t0, phases, peakRssBytes: peakRssBytes(), rssBytes: process.memoryUsage().rss, services };
  core.close();
  return answer;
}

/**
 * A desk in use (one search answered, one request made to the server) catches up with the engine's directory sync, then
 * checks again with nothing to do. DirectorySync is the engine's own; the engine adds only its
 * scheduling around run().
 */
async function catchUp(job: Job<CatchUpJob>): Promise<CatchUpAnswer> {
  const core = openDesk(job);
  await must(core, 'directory.search', { text: 'crisis' });
  const http = new SyncHttp({ serverUrl: job.serverUrl, tokens: new FixedToken(job.token!) });
  const holder = {
    current: () => core.directory,
    install: () => {
      throw new Error('a catch-up of the benchmark must not download the directory again');
    },
  };
  const directory = new DirectorySync(http, holder, job.dataDir, () => {}, () => new Date());
  // A desk in use has talked to the server already (its hint stream, pulls): its HTTP client is
  // loaded and connected. One manifest request makes this fresh process such a desk.
  await http.json('/v1/directory/manifest', (v) => v);
  const before = Number(core.directory.info().version);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await directory.run();
  await findProbe(core, job.probe);
  const catchUpMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (process.env.BENCH_PUSH_WINDOW) process.stderr.write(`catch-up window (µs): ${Number(process.hrtime.bigint() / 1000n) - Math.round(catchUpMs * 1000)} ${Number(process.hrtime.bigint() / 1000n)}\n`);
  if (result !== 'caught_up') throw new Error(`the catch-up answered ${result}`);
  const noneMs: number[] = [];
  for (let i = 0; i < job.noneChecks; i++) {
    const t = performance.now();
    const again = await directory.run();
    noneMs.push(performance.now() - t);
    if (again !== 'up_to_date') throw new Error(`a check with nothing new answered ${again}`);
  }
  const applied = Number(core.directory.info().version) - before;
  core.close();
  return { catchUpMs, cpuMs: (used.user + used.system) / 1000, applied, noneMs };
}

/** Opens the desk with the network down, brings it back and times until the server acknowledged everything. */
async function timedPushRun(job: Job<PushJob>): Promise<{ ms: number; cpuMs: number; mutations: number; split: Record<string, number> }> {
  const net = benchNetwork({});
  net.state.online = false;
  const core = openDesk(job, net);
  try {
    await whenStatus(core, (s) => s.connection === 'offline', 30_000);
    // A record's first save may queue a second change when the first was already tried offline.
    const waiting = core.sync!.status().waiting;
    if (waiting < job.records) throw new Error(`expected ${job.records} or more changes waiting, found ${waiting}`);
    net.state.online = true;
    deskSteps.claim = deskSteps.settle = 0;
    deskSteps.settles = [];
    const cpu = process.cpuUsage();
    const start = performance.now();
    const done = whenStatus(core, (s) => s.waiting === 0);
    await must(core, 'sync.now', {});
    const s = await done;
    const doneAt = performance.now();
    const ms = doneAt - start;
    const used = process.cpuUsage(cpu);
    // The push's window on the monotonic clock, for a CPU profile of this child (test/bench/sync-push-phases.ts).
    if (process.env.BENCH_PUSH_WINDOW) process.stderr.write(`push window (µs): ${Number(process.hrtime.bigint() / 1000n) - Math.round(ms * 1000)} ${Number(process.hrtime.bigint() / 1000n)}\n`);
    if (s.rejected + s.conflicts > 0) throw new Error(`the push ended with ${s.rejected} rejected and ${s.conflicts} conflicts`);
    return { ms, cpuMs: (used.user + used.system) / 1000, mutations: waiting, split: { ...pushSplit(start, doneAt, net.pushes), load1: Math.round(os.loadavg()[0]! * 10) / 10 } };
  } finally {
    core.close();
  }
}

/**
 * Records written while the server is unreachable, then pushed when it is back. Then the state
 * from before the server's answers is restored (as if every answer had been lost) and the same
 * push runs again: the server answers each item as a duplicate.
 */
async function push(job: Job<PushJob>): Promise<PushAnswer> {
  if (job.directoryFile) cpSync(job.directoryFile, path.join(job.dataDir, 'directory.db'));
  const net = benchNetwork({});
  net.state.online = false;
  const core = openDesk(job, net);
  const t = performance.now();
  for (let i = 0; i < job.records; i++) {
    const created = await must<CallRecord>(core, 'calls.create', {});
    await must(core, 'calls.save', { id: created.id, revision: created.revision, content: benchRecordContent(i, created.content.startedAt) });
  }
  const writeMs = performance.now() - t;
  core.close();
  // desk.db only: the directory is not part of the push (and copying it would leave the disk busy).
  const deskFiles = { filter: (src: string) => !path.basename(src).startsWith('directory.'), recursive: true };
  rmSync(job.backupDir, { recursive: true, force: true });
  cpSync(job.dataDir, job.backupDir, deskFiles);
  const pushed = await timedPushRun(job);
  for (const f of readdirSync(job.dataDir)) if (f.startsWith('desk.db')) rmSync(path.join(job.dataDir, f));
  cpSync(job.backupDir, job.dataDir, deskFiles);
  const replayed = await timedPushRun(job);
  return { pushMs: pushed.ms, replayMs: replayed.ms, pushCpuMs: pushed.cpuMs, replayCpuMs: replayed.cpuMs, writeMs, records: job.records, sent: pushed.mutations, pushSplit: pushed.split, replaySplit: replayed.split };
}

process.once('message', (job: SyncJob) => {
  const work = job.kind === 'bootstrap' ? bootstrap(job) : job.kind === 'catch-up' ? catchUp(job) : push(job);
  work.then(
    // Exits once the answer is out (a CPU profile, when asked for, is written at exit).
    (answer) => process.send!(answer, () => process.exit(0)),
    (e: Error) => {
      process.stderr.write(`sync-desk-child: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
});
