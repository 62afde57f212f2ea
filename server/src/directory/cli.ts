/*
 * Loads a directory into a trust and publishes it (a snapshot is built as for an admin import).
 *
 *   npm run server:directory -- --trust trust-a --source lambeth --file feed.json     ORUK/HSDS JSON document
 *   npm run server:directory -- --trust trust-a --source lambeth --folder feed/       tabular (CSV + datapackage.json)
 *   npm run server:directory -- --trust trust-a --source lambeth --url https://…/api  live ORUK/HSDS API
 *   npm run server:directory -- --trust trust-a --file services.ndjson                DirectoryService per line
 *   npm run server:directory -- --trust trust-a --synthetic 100000 --seed 42          the synthetic generator's output
 *
 * Against DATABASE_URL, or else the PGlite database in DATA_DIR/pglite (stop a server using that
 * PGlite first: it is one process's database). Snapshots go to DATA_DIR/snapshots, which the API
 * nodes must share.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { DirectoryService } from '../../../shared/domain/directory';
import { loadConfig } from '../config';
import { migrate } from '../db/migrations';
import { createHintBus } from '../hints/create-hint-bus';
import { loadTabularDirectory } from '../import';
import { openDatabase } from '../runtime/start-server';
import { ImportRequest, runImport, type ImportReport } from './imports';
import { publishAndDistribute, type Publication, type PublishDeps } from './publisher';

const USAGE = `Usage: npm run server:directory -- --trust <id> [--trust-name <name>] [--source <key>]
         (--file <feed.json|services.ndjson> | --folder <dir> | --url <api base> | --synthetic <count> [--seed <n>])
         [--partial] [--as-of YYYY-MM-DD]
  --partial     the input is only part of the feed: withdraw nothing missing from it
  --trust-name  create the trust when it does not exist yet`;

class UsageError extends Error {}

const GENERATOR = path.resolve(import.meta.dirname, '../../../scripts/generate-directory.ts');

async function readNdjsonServices(file: string): Promise<DirectoryService[]> {
  const services: DirectoryService[] = [];
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    try {
      services.push(JSON.parse(text) as DirectoryService);
    } catch {
      throw new UsageError(`${file} line ${line} is not JSON.`);
    }
  }
  return services;
}

/** Runs scripts/generate-directory.ts (outside the server's layer, so in its own process) and reads its NDJSON. */
async function syntheticServices(count: number, seed: number, asOf: string | undefined): Promise<DirectoryService[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'synthetic-directory-'));
  try {
    const out = path.join(dir, 'services.ndjson');
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const args = ['--import', tsx, GENERATOR, '--count', String(count), '--seed', String(seed), '--out', out, ...(asOf ? ['--as-of', asOf] : [])];
    await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
    return await readNdjsonServices(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, not "${text}"`);
  return n;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function printPublication(p: Publication): void {
  const { publish: r, snapshot } = p;
  console.log(`Published version ${r.version}${r.changed ? '' : ' (nothing changed)'}: ${r.put} put, ${r.deleted} withdrawn, ${r.unchanged} unchanged, ${r.purged} old tombstones purged (${seconds(p.timings.publishMs)})`);
  if (snapshot) console.log(`Snapshot ${snapshot.sha256} (${(snapshot.bytes / 2 ** 20).toFixed(1)} MiB, ${snapshot.services} services, version ${snapshot.version}) (${seconds(p.timings.snapshotMs)})`);
  if (p.snapshotError) console.error(p.snapshotError);
}

function printReport(report: ImportReport): void {
  const s = report.stats;
  if (s) console.log(`Read ${s.read} records: ${s.imported} imported (${s.repaired} repaired), ${s.skipped} skipped; ${report.complete ? 'the whole feed' : 'part of the feed: nothing withdrawn'}`);
  if (report.changes) console.log(`Published version ${report.publishedVersion}: ${report.changes.put} put, ${report.changes.deleted} withdrawn, ${report.changes.unchanged} unchanged`);
  if (report.snapshot) console.log(`Snapshot ${report.snapshot.sha256} (${(report.snapshot.bytes / 2 ** 20).toFixed(1)} MiB, version ${report.snapshot.version})`);
  const counts = (['skipped', 'repaired', 'warning'] as const).map((sev) => `${report.defects.filter((d) => d.severity === sev).length} ${sev}`);
  console.log(`Defects: ${counts.join(', ')} (report ${report.id})`);
  for (const d of report.defects.slice(0, 25)) console.log(`  ${d.severity.padEnd(8)} ${d.recordId ?? '(feed)'}${d.field ? ` ${d.field}` : ''}: ${d.reason}`);
  if (report.defects.length > 25) console.log(`  … and ${report.defects.length - 25} more (GET /v1/admin/directory/imports/${report.id})`);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      trust: { type: 'string' },
      'trust-name': { type: 'string' },
      source: { type: 'string' },
      file: { type: 'string' },
      folder: { type: 'string' },
      url: { type: 'string' },
      synthetic: { type: 'string' },
      seed: { type: 'string', default: '1' },
      partial: { type: 'boolean', default: false },
      'as-of': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const inputs = (['file', 'folder', 'url', 'synthetic'] as const).filter((k) => values[k] !== undefined);
  if (!values.trust || inputs.length !== 1) throw new UsageError(USAGE);
  const trustId = values.trust;
  const complete = !values.partial;
  const asOf = values['as-of'];

  const config = loadConfig();
  const db = await openDatabase(config);
  // On PostgreSQL the hint reaches every API node (LISTEN/NOTIFY), so connected desks catch up at once.
  const deps: PublishDeps = { db, config, hints: createHintBus(db, config) };
  try {
    await migrate(db);
    if (values['trust-name']) await db.query('INSERT INTO trust (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [trustId, values['trust-name']]);
    if ((await db.query('SELECT 1 FROM trust WHERE id = $1', [trustId])).length === 0) throw new UsageError(`There is no trust ${trustId}: pass --trust-name to create it.`);

    const started = performance.now();
    if (values.synthetic !== undefined || values.file?.endsWith('.ndjson')) {
      const services = values.synthetic !== undefined ? await syntheticServices(wholeNumber('synthetic', values.synthetic), wholeNumber('seed', values.seed), asOf) : await readNdjsonServices(values.file!);
      console.log(`Read ${services.length} services (${seconds(performance.now() - started)})`);
      printPublication(await publishAndDistribute(deps, trustId, services, { source: values.source ?? 'synthetic', complete }));
      return;
    }
    if (!values.source) throw new UsageError(`--source is required for a feed (a short key such as "lambeth-oruk"; it prefixes the services' ids).\n${USAGE}`);
    const base = { source: values.source, ...(values.partial ? { complete: false } : {}) };
    let request: ImportRequest;
    if (values.url !== undefined) request = { kind: 'url', url: values.url, ...base };
    else if (values.folder !== undefined) {
      const pkg = await loadTabularDirectory(values.folder);
      request = { kind: 'tabular', tables: pkg.tables, ...(pkg.datapackage !== undefined ? { datapackage: pkg.datapackage } : {}), ...base };
    } else {
      const text = await readFile(values.file!, 'utf8');
      let document: unknown;
      try {
        document = JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch (e) {
        throw new UsageError(`${values.file} is not JSON (${(e as Error).message}).`);
      }
      request = { kind: 'document', document, ...base };
    }
    const checked = ImportRequest.safeParse(request);
    if (!checked.success) throw new UsageError(`${checked.error.issues[0]!.path.join('.')}: ${checked.error.issues[0]!.message}`);
    const report = await runImport(deps, trustId, 'cli', checked.data, asOf ? { asOf } : {});
    printReport(report);
    console.log(`Done in ${seconds(performance.now() - started)}`);
  } finally {
    await deps.hints.close();
    await db.close();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
