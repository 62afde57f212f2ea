import { round, summary } from '../stats';
import type { LoadOptions, LoadTally } from './concurrent-desks';
import type { DirectoryFigures } from './directory-feed';
import type { PushLayoutFigures } from './push-batches';
import type { Verification } from './verify-records';

/** DESIGN.md §10, where it has a figure for what is measured here. */
export const TARGETS = {
  push: 'push 1,000 queued records ≤ 400 ms p95',
  catchUp: '1,000 changes ≤ 150 ms (desk, end to end)',
  upToDate: 'nothing changed ≤ 15 ms (desk, end to end)',
};

export interface LoadFigures {
  variant: string;
  desks: number;
  seconds: number;
  mutationsPerSecond: number;
  pushesPerSecond: number;
  pullsPerSecond: number;
  pushMs: ReturnType<typeof summary>;
  pullMs: ReturnType<typeof summary>;
  pulledRecords: number;
  recordsHints: number;
  errors: { total: number; byKind: Record<string, number> };
  notApplied: Record<string, number>;
  flushedAfterwards: number;
  cpu: LoadTally['cpu'];
  db: LoadTally['db'];
  verification: Verification;
}

export function loadFigures(variant: string, opts: LoadOptions, tally: LoadTally, verification: Verification): LoadFigures {
  const perSecond = (n: number) => round(n / (tally.elapsedMs / 1000), 1);
  return {
    variant,
    desks: opts.desks,
    seconds: round(tally.elapsedMs / 1000, 1),
    mutationsPerSecond: perSecond(tally.mutations),
    pushesPerSecond: perSecond(tally.pushes),
    pullsPerSecond: perSecond(tally.pulls),
    pushMs: summary(tally.pushMs),
    pullMs: summary(tally.pullMs),
    pulledRecords: tally.pulledRecords,
    recordsHints: tally.recordsHints,
    errors: { total: Object.values(tally.errors).reduce((a, b) => a + b, 0), byKind: tally.errors },
    notApplied: tally.notApplied,
    flushedAfterwards: tally.flushedAfterwards,
    cpu: tally.cpu,
    db: tally.db,
    verification,
  };
}

export interface ServerFigures {
  machine: { cores: number; cpuModel: string; memoryGiB: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  database: { version: string; fsync: string; sharedBuffers: string };
  services: number;
  push: { layouts: PushLayoutFigures[]; verification: Verification; target: string };
  directory: DirectoryFigures;
  desks: LoadFigures[];
}

const ms = (n: number) => (n >= 10_000 ? `${round(n / 1000, 1)} s` : `${round(n, n >= 100 ? 0 : 1)} ms`);
const kinds = (m: Record<string, number>) => Object.entries(m).map(([k, n]) => `${n}× ${k}`).join(', ');

export function printServerFigures(f: ServerFigures): void {
  const d = f.directory;
  const rows: [string, string, string][] = [
    ...f.push.layouts.map((p): [string, string, string] => [
      `push 1,000 mutations, ${p.layout}`,
      `total p50 ${ms(p.totalMs.p50)} p95 ${ms(p.totalMs.p95)} · batch p50 ${ms(p.batchMs.p50)} p95 ${ms(p.batchMs.p95)} · ${p.mutationsPerSecond.toLocaleString()} mutations/s`,
      f.push.target,
    ]),
    [`publish ${d.services.toLocaleString()} services (median of ${d.fullPublish.runs})`, `publish ${ms(d.fullPublish.publishMs.p50)} · snapshot build ${ms(d.fullPublish.snapshotMs.p50)} · snapshot ${d.fullPublish.snapshotMiB} MiB`, ''],
    [`publish with ${d.incrementalPublish.changed.toLocaleString()} changed`, `publish ${ms(d.incrementalPublish.publishMs.p50)} · snapshot build ${ms(d.incrementalPublish.snapshotMs.p50)}`, ''],
    ...d.feed.map((r): [string, string, string] => [
      `changes feed, whole, pages of ${r.pageSize.toLocaleString()}`,
      `${r.rowsPerSecond.toLocaleString()} rows/s · ${r.MiBPerSecond} MiB/s (${r.MiB} MiB, ${r.pages} pages, ${ms(r.totalMs.p50)})`,
      '',
    ]),
    [`changes feed, ${d.catchUp.changes.toLocaleString()} changes (server's part)`, `p50 ${ms(d.catchUp.p50)} p95 ${ms(d.catchUp.p95)}`, TARGETS.catchUp],
    ['changes feed, nothing changed', `p50 ${ms(d.upToDate.p50)} p95 ${ms(d.upToDate.p95)}`, TARGETS.upToDate],
    ...f.desks.flatMap((l): [string, string, string][] => [
      [`${l.desks} desks, ${l.variant}`, `${l.mutationsPerSecond} mutations/s · ${l.pushesPerSecond} pushes/s · ${l.pullsPerSecond} pulls/s over ${l.seconds} s · ${l.recordsHints.toLocaleString()} hints received`, ''],
      ['  push latency', `p50 ${ms(l.pushMs.p50)} p99 ${ms(l.pushMs.p99)} max ${ms(l.pushMs.max)}`, ''],
      ['  pull latency', `p50 ${ms(l.pullMs.p50)} p99 ${ms(l.pullMs.p99)} max ${ms(l.pullMs.max)}`, ''],
      ['  errors', l.errors.total === 0 ? 'none' : kinds(l.errors.byKind), ''],
      ['  server DB connections (mean)', `${l.db.connections} open · ${l.db.busy} busy · ${l.db.waitingForLock} waiting for a lock (${l.db.waitingForTrustLock} the trust's) · ${l.db.waitingForIo} on I/O`, ''],
      ['  records check', verdict(l.verification), ''],
      ['  CPU (cores)', `machine ${l.cpu.machineBusyCores} of ${l.cpu.cores}: server ${l.cpu.serverCores}, PostgreSQL ${l.cpu.postgresCores}, load generator ${l.cpu.loadGeneratorCores}, rest of the machine ${l.cpu.otherCores}`, ''],
    ]),
    ['push runs records check', verdict(f.push.verification), ''],
  ];
  const m = f.machine;
  console.log(`\nCentral API, PostgreSQL ${f.database.version} (fsync ${f.database.fsync}, shared_buffers ${f.database.sharedBuffers}); ${m.cores} cores (${m.cpuModel}), load average at start ${m.loadAverageAtStart.map((n) => round(n)).join(' ')}`);
  console.log(['what'.padEnd(46), 'figure'.padEnd(100), 'target'].join(''));
  for (const [a, b, c] of rows) console.log([a.padEnd(46), b.padEnd(100), c].join(''));
}

function verdict(v: Verification): string {
  const what = `${v.expectedRecords.toLocaleString()} records, ${v.expectedAddenda} addenda of ${v.desks} desks`;
  return v.ok ? `all ${what} exactly as written` : `${v.problemCount} PROBLEMS in ${what}: ${v.problems.slice(0, 3).join('; ')}`;
}
