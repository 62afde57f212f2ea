/*
 * Where a push's time goes on the server side (issue 15): the central API as its own process on a
 * durable PostgreSQL, sent the desk's batches (2 × 500 upserts of the benchmark's call records) over
 * loopback, each request timed; then the same batches applied in this process through pushBatch
 * with every statement timed, and the record insert's plan (EXPLAIN ANALYZE, BUFFERS, WAL).
 * `./desk exec tsx test/bench/sync-push-phases.ts [rounds]`. Other modes, by environment:
 * FEED=1 times the changes feed's first and last byte for 1,000 changes (FEED_SERVICES services);
 * DESK_CPU_PROF=dir (empty: no profile) runs whole desk pushes (sync-desk-child.ts);
 * CATCHUP_CPU_PROF=dir (empty: no profile) runs desk catch-ups of 1,000 changes.
 * A measuring tool, not part of `npm run bench`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Db, Queryable } from '../../server/src/db/db';
import { pushBatch } from '../../server/src/sync/push';
import { PushRequest } from '../../shared/sync/protocol';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { CORE_PROCESS_V8_FLAGS } from '../../electron/node/core-process';
import { bundle } from '../support/bundle';
import { runChild } from './fork-child';
import { benchRecordContent, type CatchUpAnswer, type PushAnswer } from './sync-jobs';
import { DirectoryVersions } from './sync-directory-versions';
import { SyncStack, BENCH_TRUST } from './sync-stack';

const BATCH = 500;
const BATCHES = 2;
const rounds = Number(process.argv[2] ?? 5);

function batches(clientId: string): string[] {
  const out: string[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const mutations = [];
    for (let i = 0; i < BATCH; i++) {
      const seq = b * BATCH + i + 1;
      mutations.push({ seq, mutationId: randomUUID(), recordId: randomUUID(), baseRevision: null, deskTime: new Date().toISOString(), payload: { kind: 'upsert', content: benchRecordContent(seq) } });
    }
    out.push(JSON.stringify({ clientId, pending: (BATCHES - b - 1) * BATCH, mutations }));
  }
  return out;
}

/** A Db whose transactions time each statement (first words of the SQL → ms). */
function timed(db: Db, into: Map<string, number[]>): Db {
  const time = (q: Queryable): Queryable => ({
    async query(sql, params) {
      const t = performance.now();
      try {
        return await q.query(sql, params);
      } finally {
        const key = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
        into.set(key, [...(into.get(key) ?? []), performance.now() - t]);
      }
    },
  });
  return {
    ...db,
    async transaction(fn) {
      const t = performance.now();
      try {
        return await db.transaction((tx) => fn(time(tx)));
      } finally {
        into.set('(whole transaction incl. BEGIN/COMMIT)', [...(into.get('(whole transaction incl. BEGIN/COMMIT)') ?? []), performance.now() - t]);
      }
    },
  };
}

/** A token for the user, who is on the server once one request has been made with it. */
async function signIn(stack: SyncStack, userId: string): Promise<string> {
  const token = await stack.token(userId);
  const res = await fetch(`${stack.url}/v1/sync/records`, { headers: { authorization: `Bearer ${token}` } });
  await res.text();
  return token;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * DESK_CPU_PROF=dir: the desk's whole push (sync-desk-child.ts) a few times, each child profiled;
 * the push's window is printed so the profile can be cut to it.
 */
async function deskPushes(stack: SyncStack, work: string, profDir: string): Promise<void> {
  const child = await bundle(path.join(import.meta.dirname, 'sync-desk-child.ts'));
  const keyHex = randomBytes(32).toString('hex');
  const geoDir = path.resolve(import.meta.dirname, '../../data/geo');
  const services = generateDirectory({ seed: 42, count: 500, sectors: loadEnglandSectors(geoDir) });
  await stack.publish(services);
  const token = await stack.token('phases-desk-0');
  const base = { serverUrl: stack.url, geoDir, keyHex };
  const probe = { id: services[0]!.id, text: services[0]!.name, name: services[0]!.name };
  const deskDir = path.join(work, 'desk-0');
  await runChild(child, { ...base, token, kind: 'bootstrap', dataDir: deskDir, path: 'snapshot', services: 500, probe }, CORE_PROCESS_V8_FLAGS);
  if (profDir) process.env.BENCH_PUSH_WINDOW = '1';
  for (let r = 0; r < rounds; r++) {
    const user = `phases-desk-push-${r}`;
    const answer = await runChild<PushAnswer>(
      child,
      { ...base, token: await stack.token(user), kind: 'push', records: 1000, directoryFile: path.join(deskDir, 'directory.db'), dataDir: path.join(work, `push-${r}`), backupDir: path.join(work, `push-${r}-before`) },
      [...CORE_PROCESS_V8_FLAGS, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
    );
    console.log(`desk push ${r + 1}: ${answer.pushMs.toFixed(0)} ms (CPU ${answer.pushCpuMs.toFixed(0)} ms); replay ${answer.replayMs.toFixed(0)} ms (CPU ${answer.replayCpuMs.toFixed(0)} ms)`);
  }
}

/** FEED=1: the server's answer to a catch-up of 1,000 changes (first byte, last byte), from the same cursor each time. */
async function feed(stack: SyncStack): Promise<void> {
  const geoDir = path.resolve(import.meta.dirname, '../../data/geo');
  const versions = new DirectoryVersions(generateDirectory({ seed: 42, count: Number(process.env.FEED_SERVICES ?? 20_000), sectors: loadEnglandSectors(geoDir) }), 1000);
  await stack.publish(versions.services);
  const token = await signIn(stack, 'phases-feed');
  const headers = { authorization: `Bearer ${token}` };
  const manifest = (await (await fetch(`${stack.url}/v1/directory/manifest`, { headers })).json()) as { cursor: string };
  versions.next();
  await stack.publish(versions.services);
  for (let r = 0; r < rounds * 3; r++) {
    const t = performance.now();
    const res = await fetch(`${stack.url}/v1/directory/changes?limit=10000&cursor=${encodeURIComponent(manifest.cursor)}`, { headers });
    const reader = res.body!.getReader();
    let first = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!first) first = performance.now() - t;
      bytes += value.length;
    }
    console.log(`changes feed: first byte ${first.toFixed(1)} ms, last ${(performance.now() - t).toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} KiB`);
  }
}

/** CATCHUP_CPU_PROF=dir: a desk of FEED_SERVICES catching up 1,000 changes a few times, each child profiled. */
async function deskCatchUps(stack: SyncStack, work: string, profDir: string): Promise<void> {
  const child = await bundle(path.join(import.meta.dirname, 'sync-desk-child.ts'));
  const keyHex = randomBytes(32).toString('hex');
  const geoDir = path.resolve(import.meta.dirname, '../../data/geo');
  const count = Number(process.env.FEED_SERVICES ?? 20_000);
  const versions = new DirectoryVersions(generateDirectory({ seed: 42, count, sectors: loadEnglandSectors(geoDir) }), 1000);
  await stack.publish(versions.services);
  const base = { serverUrl: stack.url, geoDir, keyHex, token: await stack.token('phases-catch-up') };
  const deskDir = path.join(work, 'desk-catch-up');
  await runChild(child, { ...base, kind: 'bootstrap', dataDir: deskDir, path: 'snapshot', services: count, probe: versions.probe() }, CORE_PROCESS_V8_FLAGS);
  if (profDir) process.env.BENCH_PUSH_WINDOW = '1';
  for (let r = 0; r < rounds; r++) {
    const changed = versions.next();
    await stack.publish(versions.services);
    const answer = await runChild<CatchUpAnswer>(
      child,
      { ...base, kind: 'catch-up', dataDir: deskDir, changes: changed.length, probe: versions.probe(), noneChecks: 1 },
      [...CORE_PROCESS_V8_FLAGS, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
    );
    console.log(`desk catch-up ${r + 1}: ${answer.catchUpMs.toFixed(0)} ms`);
  }
}

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'push-phases-'));
  const stack = new SyncStack(path.join(work, 'server'));
  await stack.start();
  try {
    if (process.env.CATCHUP_CPU_PROF !== undefined) return await deskCatchUps(stack, work, process.env.CATCHUP_CPU_PROF);
    if (process.env.FEED) return await feed(stack);
    if (process.env.DESK_CPU_PROF !== undefined) return await deskPushes(stack, work, process.env.DESK_CPU_PROF);
    const http: number[][] = [];
    for (let r = 0; r < rounds; r++) {
      const token = await signIn(stack, `phases-http-${r}`);
      const times: number[] = [];
      for (const body of batches(randomUUID())) {
        const t = performance.now();
        const res = await fetch(`${stack.url}/v1/sync/push`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
        await res.text();
        if (!res.ok) throw new Error(`push answered ${res.status}`);
        times.push(performance.now() - t);
        console.log(`  batch: ${(performance.now() - t).toFixed(1)} ms; server-timing ${res.headers.get('server-timing')}`);
      }
      http.push(times);
    }
    console.log('HTTP, per batch of 500 (ms):', http.map((t) => t.map((x) => x.toFixed(1)).join(' + ')).join(' | '));

    const parse: number[] = [];
    const validate: number[] = [];
    const answer: number[] = [];
    for (const body of batches(randomUUID())) {
      let t = performance.now();
      const v = JSON.parse(body) as unknown;
      parse.push(performance.now() - t);
      t = performance.now();
      PushRequest.parse(v);
      validate.push(performance.now() - t);
    }
    console.log(`In process, per batch: JSON.parse ${parse.map((x) => x.toFixed(1)).join(', ')} ms; PushRequest (zod) ${validate.map((x) => x.toFixed(1)).join(', ')} ms`);
    void answer;

    const statements = new Map<string, number[]>();
    const db = timed(stack.database, statements);
    for (let r = 0; r < rounds; r++) {
      const userId = `phases-sql-${r}`;
      await signIn(stack, userId);
      const clientId = randomUUID();
      for (const body of batches(clientId)) {
        await pushBatch(db, { userId, trustId: BENCH_TRUST, teamId: 'team-a1', clientId }, JSON.parse(body));
      }
    }
    console.log('\nIn process, per statement (median ms over the batches):');
    for (const [k, v] of statements) console.log(`  ${median(v).toFixed(2).padStart(7)}  ×${v.length}  ${k}`);

    // The record insert's plan: a third client's first batch, rolled back.
    const plans = await stack.database.transaction(async (tx) => {
      const [body] = batches(randomUUID());
      const out: string[] = [];
      const explain: Queryable = {
        async query(sql, params) {
          if (/^\s*(INSERT|UPDATE)/.test(sql)) {
            const rows = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING) ${sql}`, params);
            out.push(sql.replace(/\s+/g, ' ').slice(0, 60), ...rows.map((x) => `    ${x['QUERY PLAN']}`));
            return [];
          }
          return tx.query(sql, params);
        },
      };
      await signIn(stack, 'phases-explain');
      const noCommit: Db = { ...stack.database, transaction: (fn) => fn(explain) };
      await pushBatch(noCommit, { userId: 'phases-explain', trustId: BENCH_TRUST, teamId: 'team-a1', clientId: JSON.parse(body!).clientId }, JSON.parse(body!));
      throw Object.assign(new Error('rollback'), { plans: out });
    }).catch((e: Error & { plans?: string[] }) => e.plans ?? [String(e)]);
    console.log('\nEXPLAIN ANALYZE of the writes of a batch of 500:\n' + plans.join('\n'));
  } finally {
    await stack.stop();
  }
}

await main();
