/*
 * The import benchmark: records per second and peak memory of one import of the
 * synthetic directory as an ORUK feed, at 10,000 and at the full count of services (100,000), in
 * each form a feed arrives in — a JSON document streamed from a file, a paged API on 127.0.0.1
 * (pages of 500 full records), tabular CSV tables — each import in a process of its own against a
 * throwaway PostgreSQL (fsync on). Memory that stays flat as the feed grows is the point: the
 * reading phase's peak RSS at 10k and at 100k side by side.
 */
import { fork } from 'node:child_process';
import { mkdirSync, rmSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { connectPostgres } from '../../server/src/db/db';
import { migrate } from '../../server/src/db/migrations';
import type { ImportInput } from '../../server/src/directory/imports';
import { DEFAULT_AS_OF, generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { startPostgres } from '../support/postgres';
import type { ImportJobMessage, ImportRunFigures } from './import-child';
import { serveApiFeed, writeJsonFeed, writeTabularFeed } from './import-feeds';

const CHILD = path.resolve(import.meta.dirname, 'import-child.ts');
const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');
const SEED = 42;

export interface ImportBenchFigures {
  runs: ({ form: 'file' | 'url' | 'folder'; services: number; feedMiB: number } & ImportRunFigures)[];
}

function runChild(job: ImportJobMessage): Promise<ImportRunFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (m) => {
      answered = true;
      resolve(m as ImportRunFigures);
      child.kill();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`import child exited with ${code} before answering`));
    });
    child.send(job);
  });
}

const sizeMiB = (p: string): number => {
  const s = statSync(p);
  return (s.isDirectory() ? readdirSync(p).reduce((n, f) => n + statSync(path.join(p, f)).size, 0) : s.size) / 2 ** 20;
};

export async function runImportBench(opts: { workDir: string; counts: number[] }): Promise<ImportBenchFigures> {
  const dir = path.join(opts.workDir, 'import');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cluster = await startPostgres({ durable: true });
  const runs: ImportBenchFigures['runs'] = [];
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE crisis_desk_import_bench');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/crisis_desk_import_bench';
    const databaseUrl = url.toString();
    const db = connectPostgres(databaseUrl);
    await migrate(db);
    await db.close();

    const sectors = loadEnglandSectors(GEO_DIR);
    for (const count of opts.counts) {
      console.log(`import bench: ${count} services — writing the feeds`);
      const services = generateDirectory({ seed: SEED, count, sectors, asOf: DEFAULT_AS_OF });
      const file = path.join(dir, `feed-${count}.json`);
      const folder = path.join(dir, `tabular-${count}`);
      await writeJsonFeed(file, services);
      await writeTabularFeed(folder, services);
      const api = await serveApiFeed(services, 500);
      const jsonMiB = sizeMiB(file);
      const forms: [ImportBenchFigures['runs'][number]['form'], ImportInput, number][] = [
        ['file', { kind: 'file', source: 'bench', file }, jsonMiB],
        ['url', { kind: 'url', source: 'bench', url: api.url, perPage: 500 }, jsonMiB],
        ['folder', { kind: 'folder', source: 'bench', folder }, sizeMiB(folder)],
      ];
      try {
        for (const [form, input, feedMiB] of forms) {
          // A trust of its own per run, so every import publishes every service.
          const figures = await runChild({ databaseUrl, dataDir: path.join(dir, 'data'), trustId: `bench-${form}-${count}`, input, asOf: DEFAULT_AS_OF });
          runs.push({ form, services: count, feedMiB, ...figures });
          console.log(
            `import bench: ${form} ${count}: ${figures.status}, ${figures.records} records in ${(figures.totalMs / 1000).toFixed(1)} s ` +
              `(${Math.round(figures.records / (figures.readMs / 1000))} records/s read), peak RSS reading ${figures.readPeakRssMiB.toFixed(0)} MiB, overall ${figures.peakRssMiB.toFixed(0)} MiB`,
          );
        }
      } finally {
        await api.close();
      }
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { runs };
}

export function printImportFigures(f: ImportBenchFigures): void {
  console.log('\nImport: one import per process, PostgreSQL with fsync on');
  console.log('form    services  feed MiB  read+staged   records/s  publish+snapshot  CPU (s)  RSS before  RSS peak reading  RSS peak overall  heap peak reading');
  for (const r of f.runs) {
    console.log(
      `${r.form.padEnd(7)} ${String(r.services).padStart(8)}  ${r.feedMiB.toFixed(1).padStart(8)}  ${(r.readMs / 1000).toFixed(1).padStart(9)} s  ${String(Math.round(r.records / (r.readMs / 1000))).padStart(9)}  ${(r.publishMs / 1000).toFixed(1).padStart(14)} s  ${r.cpuSeconds.toFixed(1).padStart(7)}  ${r.baselineRssMiB.toFixed(0).padStart(6)} MiB  ${r.readPeakRssMiB.toFixed(0).padStart(12)} MiB  ${r.peakRssMiB.toFixed(0).padStart(12)} MiB  ${r.readPeakHeapMiB.toFixed(0).padStart(13)} MiB`,
    );
  }
}
