/*
 * The peer's desk: a PouchDB database (pouchdb-node, LevelDB) replicating with the express-pouchdb
 * server over loopback HTTP, in a fresh process per job, taking the same jobs as our desk child.
 * PouchDB's replication with its defaults, as an application would use it.
 */
import { cpSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import PouchDB from 'pouchdb-node';
import { v7 as uuidv7 } from 'uuid';
import { benchRecordContent, peakRssBytes, type BootstrapAnswer, type BootstrapJob, type CatchUpAnswer, type CatchUpJob, type Probe, type PushAnswer, type PushJob, type SyncJob } from './sync-jobs';

type Job<K> = K & SyncJob;
type Db = PouchDB.Database<Record<string, unknown>>;

/** Reads the probe service back by id: it must be there under its expected name. */
async function findProbe(db: Db, probe: Probe): Promise<void> {
  const doc = await db.get(probe.id);
  if (doc.name !== probe.name) throw new Error(`${probe.id} is "${String(doc.name)}", expected "${probe.name}"`);
}

async function bootstrap(job: Job<BootstrapJob>): Promise<BootstrapAnswer> {
  const t0 = performance.now();
  const db: Db = new PouchDB(job.dataDir);
  await db.info();
  const start = performance.now();
  await db.replicate.from(job.serverUrl);
  const synced = performance.now();
  // The cheapest query PouchDB has (a Mango find would first build its index over every document).
  const page = await db.allDocs({ limit: 25, include_docs: true });
  await findProbe(db, job.probe);
  const queryable = performance.now();
  if (page.rows.length === 0) throw new Error('the replicated database is empty');
  const services = (await db.info()).doc_count;
  await db.close();
  return { syncedMs: synced - start, queryableMs: queryable - start, openMs: start - t0, phases: {}, peakRssBytes: peakRssBytes(), services };
}

async function catchUp(job: Job<CatchUpJob>): Promise<CatchUpAnswer> {
  const db: Db = new PouchDB(job.dataDir);
  await db.allDocs({ limit: 25, include_docs: true });
  // As for our desk: a desk in use has talked to the server already.
  const remote: Db = new PouchDB(job.serverUrl);
  await remote.info();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await db.replicate.from(remote);
  await findProbe(db, job.probe);
  const catchUpMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const noneMs: number[] = [];
  for (let i = 0; i < job.noneChecks; i++) {
    const t = performance.now();
    const again = await db.replicate.from(remote);
    noneMs.push(performance.now() - t);
    if (again.docs_written !== 0) throw new Error(`a replication with nothing new wrote ${again.docs_written} documents`);
  }
  await db.close();
  return { catchUpMs, cpuMs: (used.user + used.system) / 1000, applied: result.docs_written, noneMs };
}

/** Replicates the local records to the server; resolves once the server holds every one. */
async function timedPush(job: Job<PushJob>): Promise<{ ms: number; cpuMs: number; sent: number }> {
  const db: Db = new PouchDB(job.dataDir);
  await db.info();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await db.replicate.to(job.serverUrl);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  await db.close();
  if (result.doc_write_failures > 0) throw new Error(`${result.doc_write_failures} records failed to replicate`);
  return { ms, cpuMs: (used.user + used.system) / 1000, sent: result.docs_written };
}

/** Records written locally (one document each, as a desk saves them), then replicated; then again from the state before. */
async function push(job: Job<PushJob>): Promise<PushAnswer> {
  const db: Db = new PouchDB(job.dataDir);
  const t = performance.now();
  for (let i = 0; i < job.records; i++) {
    const content = benchRecordContent(i);
    await db.put({ _id: uuidv7(), status: 'draft', ...content });
  }
  const writeMs = performance.now() - t;
  await db.close();
  rmSync(job.backupDir, { recursive: true, force: true });
  cpSync(job.dataDir, job.backupDir, { recursive: true });
  const pushed = await timedPush(job);
  rmSync(job.dataDir, { recursive: true, force: true });
  cpSync(job.backupDir, job.dataDir, { recursive: true });
  const replayed = await timedPush(job);
  return { pushMs: pushed.ms, replayMs: replayed.ms, pushCpuMs: pushed.cpuMs, replayCpuMs: replayed.cpuMs, writeMs, records: job.records, sent: pushed.sent };
}

process.once('message', (job: SyncJob) => {
  const work = job.kind === 'bootstrap' ? bootstrap(job) : job.kind === 'catch-up' ? catchUp(job) : push(job);
  work.then(
    // Exits once the answer is out (a CPU profile, when asked for, is written at exit).
    (answer) => process.send!(answer, () => process.exit(0)),
    (e: Error) => {
      process.stderr.write(`pouch-desk-child: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
});
