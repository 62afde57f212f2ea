import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Random } from '../../../scripts/synthetic/random';
import type { DirectoryService } from '../../../shared/domain/directory';
import type { Mutation } from '../../../shared/sync/protocol';
import { ApiClient, RequestFailure } from './api-client';
import { startCpuMeter, type CpuShare } from './cpu-meter';
import { sampleDbActivity, type DbActivity } from './db-sampler';
import { deskClinician, type BenchEnvironment } from './environment';
import { SimulatedDesk } from './simulated-desk';

/** The desk's pull page (electron/core/sync/sync-engine.ts). */
const PULL_PAGE = 500;

export interface LoadOptions {
  desks: number;
  seconds: number;
  /** Pause between a desk's rounds, uniform in [min, max] ms; null for none (stress). */
  thinkMs: { min: number; max: number } | null;
  services: readonly DirectoryService[];
  seed: number;
}

/** Everything counted during one load run; report.ts turns it into figures. */
export interface LoadTally {
  elapsedMs: number;
  mutations: number;
  pushes: number;
  pulls: number;
  pulledRecords: number;
  recordsHints: number;
  pushMs: number[];
  pullMs: number[];
  /** Failed requests by kind (HTTP status and error code, or network error code). */
  errors: Record<string, number>;
  /** Pushed mutations the server did not apply, by answer. */
  notApplied: Record<string, number>;
  /** Batches still unsent when the time was up (their push had failed), sent afterwards untimed. */
  flushedAfterwards: number;
  cpu: CpuShare;
  db: DbActivity;
}

/** What the desks count as they go. */
type Counts = Omit<LoadTally, 'elapsedMs' | 'cpu' | 'db'>;

const count = (into: Record<string, number>, key: string) => void (into[key] = (into[key] ?? 0) + 1);

/**
 * `desks` simulated desks at once, each with its own client id and clinician, each in a loop for
 * `seconds`: push what its clinician typed since the last round (1–20 mutations: drafts saved,
 * some finalised), pull its records from its cursor, think. Each also holds the hint stream open,
 * as a signed-in desk does. A push that fails is sent again next round, as the desk's outbox
 * would, so that what the server holds afterwards can be checked against what the desks wrote.
 */
export async function runConcurrentDesks(env: BenchEnvironment, opts: LoadOptions): Promise<{ tally: LoadTally; desks: SimulatedDesk[] }> {
  const tally: Counts = { mutations: 0, pushes: 0, pulls: 0, pulledRecords: 0, recordsHints: 0, pushMs: [], pullMs: [], errors: {}, notApplied: {}, flushedAfterwards: 0 };
  const desks = Array.from({ length: opts.desks }, (_, i) => new SimulatedDesk(deskClinician(i), Random.stream(opts.seed, i), opts.services));
  const clients = await Promise.all(desks.map(async (d) => new ApiClient(env.serverUrl, await env.token(d.user))));

  const hints = new AbortController();
  const streams = clients.map((c) =>
    c.holdHints(hints.signal, () => tally.recordsHints++).catch((e: unknown) => count(tally.errors, e instanceof RequestFailure ? e.kind : 'hints: error')),
  );
  const meter = startCpuMeter();
  const activity = sampleDbActivity(env.db);
  const started = performance.now();
  const until = started + opts.seconds * 1000;
  await Promise.all(desks.map((desk, i) => deskLoop(desk, clients[i]!, Random.stream(opts.seed + 1, i), until, opts, tally)));
  const elapsedMs = performance.now() - started;
  const cpu = meter();
  const db = await activity();
  hints.abort();
  await Promise.all(streams);
  return { tally: { ...tally, elapsedMs, cpu, db }, desks };
}

async function deskLoop(desk: SimulatedDesk, client: ApiClient, rng: Random, until: number, opts: LoadOptions, tally: Counts): Promise<void> {
  const think = async () => {
    if (opts.thinkMs) await sleep(rng.int(opts.thinkMs.min, opts.thinkMs.max));
  };
  // Desks do not all start on the same millisecond.
  await think();
  let outbox: Mutation[] = [];
  let cursor: string | null = null;
  while (performance.now() < until) {
    if (outbox.length === 0) outbox = desk.nextMutations(rng.int(1, 20));
    try {
      const { value, ms } = await client.push(JSON.stringify(desk.request(outbox)));
      tally.pushMs.push(ms);
      tally.pushes++;
      tally.mutations += outbox.length;
      for (const problem of desk.acknowledge(value)) count(tally.notApplied, problem);
      outbox = [];
    } catch (e) {
      count(tally.errors, kindOf(e));
    }
    try {
      for (let more = true; more; ) {
        const { value, ms } = await client.pull(cursor, PULL_PAGE);
        tally.pullMs.push(ms);
        tally.pulls++;
        tally.pulledRecords += value.records.length;
        cursor = value.cursor;
        more = value.more;
      }
    } catch (e) {
      count(tally.errors, kindOf(e));
    }
    await think();
  }
  for (let attempt = 0; outbox.length > 0 && attempt < 10; attempt++) {
    try {
      desk.acknowledge((await client.push(JSON.stringify(desk.request(outbox)))).value);
      outbox = [];
      tally.flushedAfterwards++;
    } catch {
      await sleep(500);
    }
  }
}

function kindOf(e: unknown): string {
  if (e instanceof RequestFailure) return e.kind;
  throw e;
}
