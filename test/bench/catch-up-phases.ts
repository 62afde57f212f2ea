/*
 * Where a catch-up of 1,000 directory changes goes on the desk (issue 15, round 3), in this process
 * and with the product's own parts: the feed's lines as the server writes them (changes-feed.ts
 * lineOf), read and checked as DirectorySync reads a page, then DirectoryDb.applyChanges on a desk
 * of CATCHUP_SERVICES (default 100,000) services with each statement, the commit and the in-memory
 * updates timed. Each round applies the next version on the same desk, as the benchmark's kept desk
 * does, so FTS5's segments grow and its merges land where they would.
 * `./desk exec tsx test/bench/catch-up-phases.ts [rounds]`. The server's part (query, encoding,
 * transfer) is test/bench/sync-push-phases.ts FEED=1. A measuring tool, not part of `npm run bench`.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3-multiple-ciphers';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { buildDirectorySnapshot } from '../../shared/directory/snapshot';
import { englandAndWalesCalendar } from '../../shared/lib/bank-holidays';
import { DirectoryDb, type DirectoryChange } from '../../electron/core/directory/directory-db';
import { LazyPostcodeCentroids } from '../../electron/core/directory/postcode-centroids';
import { DirectoryChangeLine } from '../../shared/sync/protocol';
import { DirectoryVersions } from './sync-directory-versions';

const PUT_LINE = DirectoryChangeLine.options.find((o) => o.shape.op.value === 'put')!;
const rounds = Number(process.argv[2] ?? 6);
const count = Number(process.env.CATCHUP_SERVICES ?? 100_000);
const geoDir = path.resolve(import.meta.dirname, '../../data/geo');
const work = path.join(os.tmpdir(), `catch-up-phases-${count}`);
mkdirSync(work, { recursive: true });

const versions = new DirectoryVersions(generateDirectory({ seed: 42, count, sectors: loadEnglandSectors(geoDir) }), 1000);
const base = path.join(work, 'base.db');
if (!existsSync(base)) {
  const t = performance.now();
  const db = new Database(base);
  buildDirectorySnapshot(db, versions.services, { version: '1', publishedAt: new Date().toISOString(), cursor: 'start' });
  db.close();
  console.log(`built ${count} services in ${(performance.now() - t).toFixed(0)} ms`);
}
const file = path.join(work, 'desk.db');
for (const f of ['', '-wal', '-shm']) rmSync(file + f, { force: true });
copyFileSync(base, file);

const desk = DirectoryDb.open(file, new LazyPostcodeCentroids(geoDir), englandAndWalesCalendar());
desk.search({ text: 'crisis' }, new Date());
if (process.env.CATCHUP_WARM !== '0') desk.warm();

// Every statement prepared on the desk's connection is timed by its first words.
const spent = new Map<string, number>();
const add = (key: string, ms: number) => spent.set(key, (spent.get(key) ?? 0) + ms);
const db = desk.db as Database.Database & Record<string, unknown>;
const prepare = db.prepare.bind(db);
db.prepare = ((sql: string) => {
  const stmt = prepare(sql);
  const key = sql.replace(/\s+/g, ' ').trim().slice(0, 40);
  for (const m of ['run', 'get', 'all'] as const) {
    const f = stmt[m].bind(stmt) as (...a: unknown[]) => unknown;
    (stmt as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      const t = performance.now();
      try {
        return f(...a);
      } finally {
        add(key, performance.now() - t);
      }
    };
  }
  return stmt;
}) as typeof db.prepare;
// The transaction's body and its whole (BEGIN, body, COMMIT): the difference is the commit.
const transaction = db.transaction.bind(db);
db.transaction = ((fn: (...a: unknown[]) => unknown) => {
  const wrapped = transaction((...a: unknown[]) => {
    const t = performance.now();
    try {
      return fn(...a);
    } finally {
      add('(transaction body)', performance.now() - t);
    }
  });
  return (...a: unknown[]) => {
    const t = performance.now();
    try {
      return wrapped(...a);
    } finally {
      add('(transaction whole)', performance.now() - t);
    }
  };
}) as unknown as typeof db.transaction;
const inner = desk as unknown as { index: { refresh(r: number[]): void }; vocabulary: { add(t: unknown): void } };
for (const [obj, m, key] of [[inner.index, 'refresh', '(index.refresh)'], [inner.vocabulary, 'add', '(vocabulary.add)']] as const) {
  const f = (obj as Record<string, (...a: unknown[]) => unknown>)[m]!.bind(obj);
  (obj as Record<string, unknown>)[m] = (...a: unknown[]) => {
    const t = performance.now();
    try {
      return f(...a);
    } finally {
      add(key, performance.now() - t);
    }
  };
}

for (let r = 0; r < rounds; r++) {
  const changed = versions.next();
  // The feed's text, as the server writes it (its documents are stored as the service's JSON).
  const text = changed.map((s) => `{"op":"put","version":${versions.version},"service":${JSON.stringify(s)}}\n`).join('');
  spent.clear();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const lines = text.split('\n').filter((l) => l.trim());
  const values = lines.map((l) => JSON.parse(l) as unknown);
  const t1 = performance.now();
  // As DirectorySync checks a line: against the schema of its op (every line here is a put).
  const changes = values.map((v) => PUT_LINE.parse(v)) as DirectoryChange[];
  const t2 = performance.now();
  desk.applyChanges(changes, { cursor: `c${versions.version}`, version: versions.version, syncedAt: new Date().toISOString() });
  const t3 = performance.now();
  const used = process.cpuUsage(cpu);
  const top = [...spent].sort((a, b) => b[1] - a[1]);
  const body = spent.get('(transaction body)') ?? 0;
  const whole = spent.get('(transaction whole)') ?? 0;
  console.log(
    `round ${r + 1}: total ${(t3 - t0).toFixed(1)} ms (CPU ${((used.user + used.system) / 1000).toFixed(0)}): JSON.parse ${(t1 - t0).toFixed(1)}, validation ${(t2 - t1).toFixed(1)}, apply ${(t3 - t2).toFixed(1)} ` +
      `[transaction ${whole.toFixed(1)} = body ${body.toFixed(1)} + commit ${(whole - body).toFixed(1)}]`,
  );
  for (const [k, ms] of top) if (!k.startsWith('(transaction')) console.log(`    ${ms.toFixed(1).padStart(7)} ms  ${k}`);
  // The FTS5 index's segments after this round (each has rows in service_fts_idx).
  const segs = (prepare('SELECT count(DISTINCT segid) AS n FROM service_fts_idx').get() as { n: number }).n;
  console.log(`    FTS5 segments: ${segs}`);
  // The work the catch-up leaves for after it (DirectoryDb.tidySoon), as the desk does it then.
  const after: string[] = [];
  const steps: number[] = [];
  for (let more = ('mergeFtsStep' in desk); more; ) {
    const s0 = performance.now();
    more = process.env.CATCHUP_MERGE_PAGES ? desk.mergeFtsStep(Number(process.env.CATCHUP_MERGE_PAGES)) : desk.mergeFtsStep();
    steps.push(performance.now() - s0);
  }
  after.push(`FTS5 merges ${steps.length - 1} steps, ${steps.reduce((a, b) => a + b, 0).toFixed(0)} ms, longest ${Math.max(...steps).toFixed(1)} ms`);
  const t = performance.now();
  desk.db.pragma('wal_checkpoint(PASSIVE)');
  after.push(`checkpoint ${(performance.now() - t).toFixed(1)} ms`);
  console.log(`    after it: ${after.join('; ')}`);
}
desk.close();
