/*
 * What the sync benchmark (sync-bench.ts) asks its desk children and what they answer: ours
 * (sync-desk-child.ts) and the PouchDB peer (pouch-desk-child.ts) take the same jobs.
 */
import { readFileSync } from 'node:fs';
import { emptyCallRecordContent, type CallRecordContent } from '../../shared/domain/call-record';

/** A service to look for once a directory is in: found by text (ours) or by id (PouchDB). */
export interface Probe {
  id: string;
  text: string;
  /** The name the service must have by then (a catch-up renames services). */
  name: string;
}

export interface BootstrapJob {
  kind: 'bootstrap';
  dataDir: string;
  /** Ours only: 'pages' makes the snapshot download answer 404, so the desk builds from the changes feed. */
  path: 'snapshot' | 'pages' | 'replicate';
  services: number;
  probe: Probe;
}

export interface CatchUpJob {
  kind: 'catch-up';
  dataDir: string;
  /** Changes expected (ours: lines of the feed; PouchDB: docs written). */
  changes: number;
  probe: Probe;
  /** Checks with nothing to catch up, timed one after another once caught up. */
  noneChecks: number;
}

export interface PushJob {
  kind: 'push';
  dataDir: string;
  /** Ours: a directory.db copied in first, so that the desk has nothing to download meanwhile. */
  directoryFile?: string;
  records: number;
  /** Where desk state is kept between the writes and the push, to replay the same push after. */
  backupDir: string;
}

export type JobBody = BootstrapJob | CatchUpJob | PushJob;

export type SyncJob = JobBody & {
  /** Our server or the PouchDB database's URL. */
  serverUrl: string;
  /** Ours: a bearer token for the desk's user. */
  token?: string;
  geoDir?: string;
  keyHex?: string;
};

export interface BootstrapAnswer {
  /** From sync start to the directory installed (ours) or replication done (PouchDB). */
  syncedMs: number;
  /** From sync start to the first query answered. */
  queryableMs: number;
  /** Opening the desk before sync starts (not counted above). */
  openMs: number;
  /** When each phase began, in ms after sync start (ours: from the progress events). */
  phases: Record<string, number>;
  peakRssBytes: number;
  /** Resident memory once queryable, after a garbage collection (ours: the core holding the directory). */
  rssBytes?: number;
  services: number;
}

export interface CatchUpAnswer {
  /** From sync start to the changes applied and the probe found with its new name. */
  catchUpMs: number;
  /** The desk process's CPU time over the same span: steadier than the wall clock on a busy machine. */
  cpuMs: number;
  applied: number;
  noneMs: number[];
}

export interface PushAnswer {
  /** From the network coming back to every record acknowledged by the server. */
  pushMs: number;
  /** The same push again from the state before the answers arrived: every item a duplicate. */
  replayMs: number;
  /** The desk process's CPU time (user + system) over the push and over the replay: steadier than wall-clock on a busy machine. */
  pushCpuMs: number;
  replayCpuMs: number;
  writeMs: number;
  records: number;
  /** What went over the wire: our outbox changes, or the documents PouchDB wrote to the server. */
  sent: number;
  /** Ours: where the push's and the replay's time went (sync-desk-child.ts pushSplit), ms. */
  pushSplit?: Record<string, number>;
  replaySplit?: Record<string, number>;
}

/** The peak resident memory of this process so far (VmHWM), in bytes. */
export function peakRssBytes(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.replace(/\D/g, '')) * 1024 : process.memoryUsage().rss;
}

/** The content of the i-th benchmark call record: a realistic size, the same for ours and PouchDB. */
export function benchRecordContent(i: number, startedAt = new Date(Date.UTC(2026, 10, 25, 20, 0, i % 60)).toISOString()): CallRecordContent {
  const content = emptyCallRecordContent(startedAt);
  content.caller = { ...content.caller, type: 'self', anonymous: true };
  content.presentingNeed = { categories: ['low_mood'], summary: `Synthetic benchmark call ${i}: low mood after a difficult week, wanted to talk things through. `.repeat(3) };
  content.risk.formulation = 'Synthetic benchmark: no current risk identified.';
  return content;
}

/** Resolves after ms milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
