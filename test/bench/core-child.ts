/*
 * One desk core in a fresh process, for honest cold-open and memory figures. Driven by
 * core-bench.ts over IPC: { dataDir, geoDir, queries, rounds, saves } → figures.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SearchParams } from '../../shared/contract';
import { emptyCallRecordContent } from '../../shared/domain/call-record';
import { Core } from '../../electron/core/core';
import { timeQueries } from './queries';

interface Job {
  dataDir: string;
  geoDir: string;
  keyHex?: string;
  /** Fixed "now" so that "open now" means the same thing in every run (a Wednesday evening). */
  nowIso: string;
  queries: Record<string, SearchParams[]>;
  rounds: number;
  saves: number;
}

async function must<T>(p: Promise<{ ok: boolean; value?: unknown; error?: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`core answered ${JSON.stringify(r.error)}`);
  return r.value as T;
}

process.once('message', async (job: Job) => {
  const now = new Date(job.nowIso);
  const t0 = performance.now();
  const core = Core.open({ dataDir: job.dataDir, geoDir: job.geoDir, deskKey: Buffer.from(job.keyHex ?? randomBytes(32).toString('hex'), 'hex'), now: () => now });
  const opened = performance.now();
  const first = await must<{ total: number }>(core.handle('directory.search', { postcode: 'SE5 8AZ', openNow: true }));
  const firstResult = performance.now();
  // As the desk's host does once the searches pause (warmUpWhenSearchesPause): the
  // postcode tables and the full-text index's terms are read before the clinician's next word.
  core.warmUp();

  const { latencies, cpu, totals } = await timeQueries(job.queries, job.rounds, async (q) => (await must<{ total: number }>(core.handle('directory.search', q))).total);

  const saveMs: number[] = [];
  if (job.saves > 0) {
    const record = await must<{ id: string; revision: number; content: ReturnType<typeof emptyCallRecordContent> }>(core.handle('calls.create', {}));
    let revision = record.revision;
    const content = emptyCallRecordContent(record.content.startedAt);
    for (let i = 0; i < job.saves; i++) {
      content.presentingNeed.summary = `Synthetic benchmark text, save number ${i}. `.repeat(8);
      const s = performance.now();
      const r = await must<{ revision: number }>(core.handle('calls.save', { id: record.id, revision, content }));
      saveMs.push(performance.now() - s);
      revision = r.revision;
    }
  }

  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  core.close();
  process.send!({
    openMs: opened - t0,
    openToFirstResultMs: firstResult - t0,
    processStartToFirstResultMs: firstResult,
    firstTotal: first.total,
    latencies,
    cpu,
    totals,
    saveMs,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
  });
});
