import { median, mib, percentile, round } from './stats';
import type { BootstrapAnswer, CatchUpAnswer, PushAnswer } from './sync-jobs';

export interface SyncSamples {
  bootstrap: { snapshot: BootstrapAnswer[]; pages: BootstrapAnswer[]; pouchdb: BootstrapAnswer[] };
  catchUp: { ours: CatchUpAnswer[]; pouchdb: CatchUpAnswer[] };
  push: { ours: PushAnswer[]; pouchdb: PushAnswer[] };
}

const ms = (samples: number[]) => samples.map((v) => round(v, 1));
const med = (samples: number[]) => round(median(samples), 1);
const p95 = (samples: number[]) => round(percentile(samples, 95), 1);

function bootstrapFigures(runs: BootstrapAnswer[]) {
  const phaseNames = [...new Set(runs.flatMap((r) => Object.keys(r.phases)))];
  return {
    medianQueryableMs: med(runs.map((r) => r.queryableMs)),
    medianSyncedMs: med(runs.map((r) => r.syncedMs)),
    medianOpenMs: med(runs.map((r) => r.openMs)),
    queryableMs: ms(runs.map((r) => r.queryableMs)),
    /** Median start of each phase, ms after sync start. */
    phaseStartsMs: Object.fromEntries(phaseNames.map((p) => [p, med(runs.flatMap((r) => (p in r.phases ? [r.phases[p]!] : [])))])),
    medianPeakRssMiB: mib(median(runs.map((r) => r.peakRssBytes))),
  };
}

function pushFigures(runs: PushAnswer[]) {
  const push = runs.map((r) => r.pushMs);
  const replay = runs.map((r) => r.replayMs);
  return {
    push: { p50Ms: med(push), p95Ms: p95(push), samplesMs: ms(push) },
    replay: { p50Ms: med(replay), p95Ms: p95(replay), samplesMs: ms(replay) },
    /** The desk process's CPU time over the push and the replay (medians): steadier than wall-clock on a busy machine. */
    medianPushCpuMs: med(runs.map((r) => r.pushCpuMs)),
    medianReplayCpuMs: med(runs.map((r) => r.replayCpuMs)),
    medianWriteMs: med(runs.map((r) => r.writeMs)),
    sent: runs.map((r) => r.sent),
    /** Ours: each run's split (ms): the desk before the first request, the wire, the server's parts (Server-Timing), the desk between and after the answers. */
    splits: runs.flatMap((r) => (r.pushSplit ? [{ totalMs: round(r.pushMs, 1), ...r.pushSplit }] : [])),
    replaySplits: runs.flatMap((r) => (r.replaySplit ? [{ totalMs: round(r.replayMs, 1), ...r.replaySplit }] : [])),
  };
}

function catchUpFigures(runs: CatchUpAnswer[]) {
  const none = runs.flatMap((r) => r.noneMs);
  return {
    changes: { medianMs: med(runs.map((r) => r.catchUpMs)), samplesMs: ms(runs.map((r) => r.catchUpMs)), medianCpuMs: med(runs.map((r) => r.cpuMs)) },
    none: { medianMs: med(none), p95Ms: p95(none), samplesMs: ms(none) },
  };
}

/** How many times longer (or more memory) the peer took: above 1, ours is better. */
const ratio = (ours: number, peer: number) => `${round(peer / ours, 1)}×`;

export function syncFigures(s: SyncSamples, context: Record<string, unknown> & { services: number; changes: number; records: number }) {
  const boot = { snapshot: bootstrapFigures(s.bootstrap.snapshot), pages: bootstrapFigures(s.bootstrap.pages), pouchdb: bootstrapFigures(s.bootstrap.pouchdb) };
  const catchUp = { ours: catchUpFigures(s.catchUp.ours), pouchdb: catchUpFigures(s.catchUp.pouchdb) };
  const push = { ours: pushFigures(s.push.ours), pouchdb: pushFigures(s.push.pouchdb) };
  const n = context.services.toLocaleString();
  const rows: [string, string, string, string, string][] = [
    [`bootstrap ${n}, snapshot path (median)`, `${boot.snapshot.medianQueryableMs} ms`, `${boot.pouchdb.medianQueryableMs} ms`, ratio(boot.snapshot.medianQueryableMs, boot.pouchdb.medianQueryableMs), '≤ 2.5 s'],
    [`bootstrap ${n}, paging path (median)`, `${boot.pages.medianQueryableMs} ms`, `${boot.pouchdb.medianQueryableMs} ms`, ratio(boot.pages.medianQueryableMs, boot.pouchdb.medianQueryableMs), '≤ 2.5 s'],
    [`catch-up of ${context.changes.toLocaleString()} changes (median)`, `${catchUp.ours.changes.medianMs} ms`, `${catchUp.pouchdb.changes.medianMs} ms`, ratio(catchUp.ours.changes.medianMs, catchUp.pouchdb.changes.medianMs), '≤ 100 ms (issue 15)'],
    ['— desk CPU during the catch-up (median)', `${catchUp.ours.changes.medianCpuMs} ms`, `${catchUp.pouchdb.changes.medianCpuMs} ms`, ratio(catchUp.ours.changes.medianCpuMs, catchUp.pouchdb.changes.medianCpuMs), ''],
    ['catch-up of none (median)', `${catchUp.ours.none.medianMs} ms`, `${catchUp.pouchdb.none.medianMs} ms`, ratio(catchUp.ours.none.medianMs, catchUp.pouchdb.none.medianMs), '≤ 15 ms'],
    [`push of ${context.records.toLocaleString()} records (p95)`, `${push.ours.push.p95Ms} ms`, `${push.pouchdb.push.p95Ms} ms`, ratio(push.ours.push.p95Ms, push.pouchdb.push.p95Ms), '≤ 200 ms p95, ≥ 2×'],
    ['— desk CPU during the push (median)', `${push.ours.medianPushCpuMs} ms`, `${push.pouchdb.medianPushCpuMs} ms`, ratio(push.ours.medianPushCpuMs, push.pouchdb.medianPushCpuMs), ''],
    ['replay of that push (p95)', `${push.ours.replay.p95Ms} ms`, `${push.pouchdb.replay.p95Ms} ms`, ratio(push.ours.replay.p95Ms, push.pouchdb.replay.p95Ms), ''],
    ['peak desk RSS, snapshot bootstrap', `${boot.snapshot.medianPeakRssMiB} MiB`, `${boot.pouchdb.medianPeakRssMiB} MiB`, ratio(boot.snapshot.medianPeakRssMiB, boot.pouchdb.medianPeakRssMiB), '(core ≤ 150 MiB)'],
    ['peak desk RSS, paging bootstrap', `${boot.pages.medianPeakRssMiB} MiB`, `${boot.pouchdb.medianPeakRssMiB} MiB`, ratio(boot.pages.medianPeakRssMiB, boot.pouchdb.medianPeakRssMiB), ''],
  ];
  return {
    ...context,
    runs: { bootstrap: s.bootstrap.snapshot.length, catchUp: s.catchUp.ours.length, push: s.push.ours.length },
    peer: 'PouchDB 9 (pouchdb-node, LevelDB) replicating with express-pouchdb 4 over loopback HTTP, default options',
    bootstrap: { ...boot, target: '≤ 2.5 s to queryable (DESIGN.md quotes PouchDB at 30–65 s)' },
    catchUp: { ...catchUp, target: '≤ 100 ms for 1,000 changes (issue 15); ≤ 15 ms with none' },
    push: { ...push, target: '≤ 200 ms p95 for 1,000 records, and at least 2× faster than PouchDB in the same run' },
    table: rows.map(([what, ours, pouchdb, peerOverOurs, target]) => ({ what, ours, pouchdb, peerOverOurs, target })),
  };
}

export function printSyncFigures(f: ReturnType<typeof syncFigures>): void {
  console.log(`\nSync, ${f.services.toLocaleString()} services (ratio: PouchDB's figure over ours; above 1× ours is better)`);
  const widths = [40, 14, 14, 9];
  console.log(['what', 'Crisis Desk', 'PouchDB', 'ratio', 'target'].map((h, i) => h.padEnd(widths[i] ?? 0)).join(''));
  for (const r of f.table) console.log([r.what, r.ours, r.pouchdb, r.peerOverOurs, r.target].map((c, i) => c.padEnd(widths[i] ?? 0)).join(''));
  const phases = (p: Record<string, number>) => Object.entries(p).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`  our snapshot bootstrap, phase starts (ms): ${phases(f.bootstrap.snapshot.phaseStartsMs)}; installed at ${f.bootstrap.snapshot.medianSyncedMs}`);
  console.log(`  our paging bootstrap, phase starts (ms): ${phases(f.bootstrap.pages.phaseStartsMs)}; installed at ${f.bootstrap.pages.medianSyncedMs}`);
  // Each push run split, so that a slow run can be placed (desk, wire, server parts, desk again).
  f.push.ours.splits.forEach((split, i) => console.log(`  push run ${i + 1} (ms): ${phases(split)}`));
  f.push.ours.replaySplits.forEach((split, i) => console.log(`  replay run ${i + 1} (ms): ${phases(split)}`));
}
