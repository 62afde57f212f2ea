/*
 * The core bench's queries against DirectoryDb in one process, per query and per kind, wall and
 * CPU time: for profiling (node --import tsx --cpu-prof) and for A/B while changing the search on
 * a busy machine, where the CPU time still measures the work done. Not part of `npm run bench`.
 *   tsx test/bench/search-profile.ts [directory.db] [rounds]   (the file is generated when missing)
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { englandAndWalesCalendar } from '../../shared/lib/bank-holidays';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { writeDirectoryDb } from '../../scripts/synthetic/write-directory-db';
import { DirectoryDb } from '../../electron/core/directory/directory-db';
import { loadPostcodeCentroids } from '../../electron/core/directory/postcode-centroids';
import { BENCH_QUERIES } from './queries';
import { summary } from './stats';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');
const file = process.argv[2] ?? path.resolve('bench-results/search-profile/directory.db');
const rounds = Number(process.argv[3] ?? 30);
if (!existsSync(file)) {
  mkdirSync(path.dirname(file), { recursive: true });
  const services = generateDirectory({ seed: 42, count: Number(process.env.BENCH_SERVICES ?? 100_000), sectors: loadEnglandSectors(GEO_DIR) });
  writeDirectoryDb(file, services, { version: '1', publishedAt: '2026-11-01T00:00:00.000Z' });
}
const db = DirectoryDb.open(file, loadPostcodeCentroids(GEO_DIR), englandAndWalesCalendar());
// The bench's fixed moment: a Wednesday evening.
const now = new Date('2026-11-25T20:30:00Z');
db.search({ postcode: 'SE5 8AZ', openNow: true }, now);
// As Core.warmUp does once the desk is up.
if (!process.env.NO_WARM) db.warm();
// The first ask of each query, in order, is timed apart: what a word costs the first time it is typed.
const rows = Object.entries(BENCH_QUERIES).flatMap(([kind, list]) =>
  list.map((q) => {
    const c = process.cpuUsage();
    const total = db.search(q, now).total;
    const u = process.cpuUsage(c);
    return { kind, q, total, first: (u.user + u.system) / 1000, wall: [] as number[], cpu: [] as number[] };
  }),
);
for (let r = 0; r < rounds; r++) {
  for (const row of rows) {
    const c = process.cpuUsage();
    const s = performance.now();
    db.search(row.q, now);
    row.wall.push(performance.now() - s);
    const u = process.cpuUsage(c);
    row.cpu.push((u.user + u.system) / 1000);
  }
}
const line = (label: string, wall: number[], cpu: number[]) => {
  const w = summary(wall), c = summary(cpu);
  return `${label.padEnd(20)} wall p50 ${String(w.p50).padStart(5)} p95 ${String(w.p95).padStart(5)}   CPU p50 ${String(c.p50).padStart(5)} p95 ${String(c.p95).padStart(5)}`;
};
for (const row of rows) console.log(`${line(row.kind, row.wall, row.cpu)}  first ${row.first.toFixed(2).padStart(6)}  ${String(row.total).padStart(6)} matches  ${JSON.stringify(row.q)}`);
for (const kind of Object.keys(BENCH_QUERIES)) {
  const of = rows.filter((r) => r.kind === kind);
  console.log(line(kind, of.flatMap((r) => r.wall), of.flatMap((r) => r.cpu)));
}
console.log(line('all', rows.flatMap((r) => r.wall), rows.flatMap((r) => r.cpu)));
db.close();
