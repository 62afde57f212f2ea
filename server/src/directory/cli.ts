/*
 * Loads a directory into a trust and publishes it (a snapshot is built as for an admin import).
 *
 *   npm run server:directory -- --trust trust-a --source lambeth --file feed.json     ORUK/HSDS JSON document (streamed)
 *   npm run server:directory -- --trust trust-a --source lambeth --folder feed/       tabular (CSV + datapackage.json)
 *   npm run server:directory -- --trust trust-a --source lambeth --url https://…/api  live ORUK/HSDS API
 *   npm run server:directory -- --trust trust-a --file services.ndjson                DirectoryService per line
 *   npm run server:directory -- --trust trust-a --synthetic 100000 --seed 42          the synthetic generator's output
 *
 * Against DATABASE_URL, or else the PGlite database in DATA_DIR/pglite (stop a server using that
 * PGlite first: it is one process's database). Snapshots go to DATA_DIR/snapshots, which the API
 * nodes must share. A feed import is an import job like one started through the admin API: its
 * report is kept and shown by GET /v1/admin/directory/imports/{id}.
 *
 * Exit status: 0 published (also when nothing changed); 1 nothing was imported or published, or
 * the import failed (the reason is printed); 2 the command line is wrong; 3 the import would
 * withdraw more than IMPORT_WITHDRAWAL_CONFIRM_PERCENT of the trust's services and waits for
 * confirmation (rerun with --confirm-withdrawals, or confirm it through the admin API).
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { openDatabase } from '../runtime/start-server';
import { recordPage } from './import-jobs';
import { ImportRequest, type ImportJob } from './import-report';
import { decideImport, runImport, type ImportInput } from './imports';
import { publishAndDistribute, type Publication, type PublishDeps } from './publisher';

const USAGE = `Usage: npm run server:directory -- --trust <id> [--trust-name <name>] [--source <key>]
         (--file <feed.json|services.ndjson> | --folder <dir> | --url <api base> | --synthetic <count> [--seed <n>])
         [--partial] [--as-of YYYY-MM-DD] [--confirm-withdrawals] [--report <file.ndjson>]
  --partial              the input is only part of the feed: withdraw nothing missing from it
  --confirm-withdrawals  publish even when the import would withdraw more than IMPORT_WITHDRAWAL_CONFIRM_PERCENT
                         of the trust's services (otherwise it waits for an admin's confirmation, exit status 3)
  --report               write every record of the feed and what became of it to this file (one JSON line each)
  --trust-name           create the trust when it does not exist yet
Exit status: 0 published, 1 nothing imported or published (or failed), 2 usage, 3 waiting for confirmation.`;

/** The process's exit status for an import's end. */
export const EXIT = { published: 0, nothing: 1, usage: 2, held: 3 } as const;

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

function printJob(job: ImportJob): void {
  console.log(job.summary);
  for (const p of job.problems.slice(0, 25)) console.log(`  ${p.partial ? 'partial ' : 'problem '} ${p.where ?? '(feed)'}: ${p.reason}`);
  if (job.problems.length > 25) console.log(`  … and ${job.problems.length - 25} more problems (GET /v1/admin/directory/imports/${job.id})`);
  if (job.snapshot) console.log(`Snapshot ${job.snapshot.sha256} (${(job.snapshot.bytes / 2 ** 20).toFixed(1)} MiB, version ${job.snapshot.version})`);
}

/** The records that were not simply imported, first; all of them into --report. */
async function printRecords(deps: PublishDeps, job: ImportJob, reportFile: string | undefined): Promise<void> {
  const out = reportFile ? createWriteStream(reportFile) : null;
  let shown = 0;
  let notShown = 0;
  for (let after = 0; after !== null; ) {
    const page = await recordPage(deps.db, job.id, { after, limit: 1000 });
    for (const r of page.records) {
      out?.write(`${JSON.stringify(r)}\n`);
      const worth = r.outcome !== 'imported' || r.defects.length > 0;
      if (!worth) continue;
      if (shown >= 25) {
        notShown++;
        continue;
      }
      shown++;
      console.log(`  ${r.outcome.padEnd(9)} ${r.place}${r.feedId ? ` (${r.feedId})` : ''}${r.name ? ` ${r.name}` : ''}`);
      for (const d of r.defects.slice(0, 4)) console.log(`      ${d.severity.padEnd(8)} ${d.field ?? '-'}: ${d.reason}`);
      if (r.defects.length > 4) console.log(`      … and ${r.defects.length - 4} more`);
    }
    after = page.next as number;
    if (page.next === null) break;
  }
  if (notShown > 0) console.log(`  … and ${notShown} more records with defects${reportFile ? '' : ' (--report <file> writes them all)'}`);
  if (out) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

function exitStatusOf(job: ImportJob): number {
  if (job.status === 'published') return EXIT.published;
  if (job.status === 'awaiting_confirmation') return EXIT.held;
  return EXIT.nothing;
}

async function main(argv: string[]): Promise<number> {
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
      'confirm-withdrawals': { type: 'boolean', default: false },
      report: { type: 'string' },
      'as-of': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
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
      if (services.length === 0) {
        console.error('Nothing was published: the input holds no services, and an empty directory is far likelier a mistake than a closed one.');
        return EXIT.nothing;
      }
      printPublication(await publishAndDistribute(deps, trustId, services, { source: values.source ?? 'synthetic', complete }));
      return EXIT.published;
    }
    if (!values.source) throw new UsageError(`--source is required for a feed (a short key such as "lambeth-oruk"; it prefixes the services' ids).\n${USAGE}`);
    const base = { source: values.source, ...(values.partial ? { complete: false } : {}) };
    let input: ImportInput;
    if (values.url !== undefined) {
      const checked = ImportRequest.safeParse({ kind: 'url', url: values.url, ...base });
      if (!checked.success) throw new UsageError(`${checked.error.issues[0]!.path.join('.')}: ${checked.error.issues[0]!.message}`);
      input = checked.data;
    } else if (values.folder !== undefined) input = { kind: 'folder', folder: values.folder, ...base };
    else input = { kind: 'file', file: values.file!, ...base };
    if (!/^[a-z0-9][a-z0-9._-]{0,39}$/i.test(values.source)) throw new UsageError(`--source must be a short key of letters, digits, '.', '_' or '-' (at most 40), not "${values.source}".`);

    let job = await runImport(deps, trustId, 'cli', input, asOf ? { asOf } : {});
    if (job.status === 'awaiting_confirmation' && values['confirm-withdrawals']) {
      console.log(job.summary);
      console.log('Confirmed on the command line (--confirm-withdrawals).');
      job = (await decideImport(deps, trustId, 'cli', job.id, 'confirmed'))!;
    }
    printJob(job);
    await printRecords(deps, job, values.report);
    if (job.status === 'awaiting_confirmation') {
      console.log(`Import ${job.id} waits for confirmation: POST /v1/admin/directory/imports/${job.id}/confirm (or /refuse), or run again with --confirm-withdrawals.`);
    }
    console.log(`Done in ${seconds(performance.now() - started)} (import ${job.id}, ${job.status.replace(/_/g, ' ')})`);
    return exitStatusOf(job);
  } finally {
    await deps.hints.close();
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = e instanceof UsageError ? EXIT.usage : EXIT.nothing;
  },
);
