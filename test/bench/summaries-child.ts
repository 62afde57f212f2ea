/*
 * A team lead's desk core in a fresh process, for the shift summary benchmark (summaries-bench.ts):
 * fills desk.db with a team's records as if pulled from the server (once, then reused), then times
 * summaries.shift or one summaries.export and samples the process's memory while it runs.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Core } from '../../electron/core/core';
import { PulledRecords } from '../../electron/core/sync/pulled-records';
import type { ServerCallRecord } from '../../shared/sync/protocol';
import { generateCalls } from '../../scripts/synthetic/generate-calls';
import type { TeamContext } from '../../shared/lib/shift-team-context';
import type { DeskUser } from '../../shared/domain/people';
import { META_KEYS } from '../../electron/core/db/tables/meta-sql';

interface Batch {
  from: string;
  to: string;
  count: number;
  seed: number;
}

interface Job {
  dataDir: string;
  geoDir: string;
  keyHex: string;
  nowIso: string;
  teamId: string;
  /** Fill desk.db with these (first run only). */
  fill?: Batch[];
  task: { kind: 'summary'; from: string; to: string; repeats: number } | { kind: 'export'; from: string; to: string; format: 'csv' | 'xlsx' | 'pdf'; outDir: string };
}

const CLINICIANS = Array.from({ length: 12 }, (_, i) => `bench-clin-${i + 1}`);
const HASH = 'a'.repeat(64);

function fill(core: Core, job: Job): number {
  const pulled = new PulledRecords(core.desk.db);
  let n = 0;
  for (const b of job.fill ?? []) {
    const calls = generateCalls({ seed: b.seed, from: new Date(b.from), to: new Date(b.to), count: b.count, clinicians: CLINICIANS, services: [{ id: 'svc-1', type: 'crisis_cafe' }, { id: 'svc-2', type: 'sanctuary' }], now: new Date(job.nowIso) });
    for (let i = 0; i < calls.length; i += 1000) {
      const page: ServerCallRecord[] = calls.slice(i, i + 1000).map((c) => ({
        id: c.id, lastClientId: randomUUID(), clinicianId: c.clinicianId, teamId: job.teamId, status: c.status, revision: 1, content: c.content,
        contentHash: c.status === 'finalised' ? HASH : null, finalisedAt: c.status === 'finalised' ? c.content.endedAt ?? c.content.startedAt : null,
        discardedAt: c.status === 'discarded' ? c.content.startedAt : null, discardReason: c.discardReason,
        addenda: c.addenda.map((a) => ({ id: randomUUID(), text: a.text, createdAt: a.createdAt, contentHash: HASH, callbackMadeAt: a.callbackMadeAt })),
        updatedAt: c.content.startedAt,
      }));
      pulled.apply(page, `bench-${n + i}`, 'bench-lead');
    }
    n += calls.length;
  }
  const context: TeamContext = {
    teamId: job.teamId, teamName: 'Benchmark crisis line, night team', viewer: { id: 'bench-lead', name: 'Bench Lead' },
    presets: [{ id: 'day', label: 'Day', start: '08:00', end: '20:00' }, { id: 'night', label: 'Night', start: '20:00', end: '08:00' }], presetsConfigured: true,
    people: CLINICIANS.map((id, i) => ({ id, name: `Synthetic Clinician ${i + 1}` })), desks: [], offlinePeriods: [], directoryProblems: [], recordsAsOf: job.nowIso, generatedAt: job.nowIso,
  };
  core.desk.db.prepare("INSERT OR REPLACE INTO team_context (team_id, context, fetched_at, fetched_by) VALUES (?, ?, ?, 'bench-lead')").run(job.teamId, JSON.stringify(context), job.nowIso);
  // The desk user leads the team (summaries are refused to anyone else): as a sign-in leaves it, read when the core opens.
  const lead: DeskUser = { userId: 'bench-lead', displayName: 'Bench Lead', trustId: 'bench-trust', teamId: job.teamId, roles: ['clinician', 'team_lead'] };
  core.desk.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(META_KEYS.deskUser, JSON.stringify(lead));
  return n;
}

async function must<T>(p: Promise<{ ok: boolean; value?: unknown; error?: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`core answered ${JSON.stringify(r.error)}`);
  return r.value as T;
}

process.once('message', async (job: Job) => {
  const now = new Date(job.nowIso);
  const open = () => Core.open({ dataDir: job.dataDir, geoDir: job.geoDir, deskKey: Buffer.from(job.keyHex, 'hex'), now: () => now });
  let core = open();
  const t = performance.now();
  const filled = fill(core, job);
  const fillMs = performance.now() - t;
  if (filled > 0) {
    core.close();
    core = open();
  }
  const records = core.desk.db.prepare('SELECT count(*) FROM call_record').pluck().get() as number;
  globalThis.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed + baseline.external + baseline.arrayBuffers;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers);
  }, 2);
  const task = job.task;
  const ms: number[] = [];
  /** CPU time (user + system) of the same calls: steadier than wall time when the machine is shared. */
  const cpuMs: number[] = [];
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let contacts = 0;
  let bytes = 0;
  if (task.kind === 'summary') {
    for (let i = 0; i < task.repeats; i++) {
      const s = performance.now();
      const c = cpu();
      const view = await must<{ summary: { contacts: { total: number } } }>(core.handle('summaries.shift', { teamId: job.teamId, from: task.from, to: task.to }));
      ms.push(performance.now() - s);
      cpuMs.push(cpu() - c);
      contacts = view.summary.contacts.total;
    }
  } else {
    const file = path.join(task.outDir, `bench.${task.format}`);
    rmSync(file, { force: true });
    const s = performance.now();
    const c = cpu();
    const r = await must<{ contacts: number; bytes: number }>(core.handle('summaries.export', { exportId: randomUUID(), teamId: job.teamId, from: task.from, to: task.to, format: task.format, audience: 'handover', path: file }));
    ms.push(performance.now() - s);
    cpuMs.push(cpu() - c);
    contacts = r.contacts;
    bytes = r.bytes;
  }
  clearInterval(sampler);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  core.close();
  process.send!({ filled, fillMs, records, ms, cpuMs, contacts, bytes, rssGrowthBytes: peakRss - baseline.rss, heapGrowthBytes: peakHeap - (baseline.heapUsed + baseline.external + baseline.arrayBuffers), baselineRssBytes: baseline.rss });
});
