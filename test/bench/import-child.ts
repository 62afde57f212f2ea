/*
 * One import in a process of its own (as `npm run server:directory` runs one: TypeScript through
 * tsx), so that its peak memory is its own: the job message names the feed; the answer gives the
 * time it took (reading and staging, then publishing and building the snapshot) and the process's
 * memory before, while reading, and at its peak.
 */
import { loadConfig } from '../../server/src/config';
import { connectPostgres } from '../../server/src/db/db';
import { postcodeCentroids } from '../../server/src/directory/centroids';
import { runImport, type ImportInput } from '../../server/src/directory/imports';
import { putTaxonomyMapping } from '../../server/src/directory/taxonomy-store';
import { createLocalHintBus } from '../../server/src/hints/local-hint-bus';
import { SERVICE_TYPES } from '../../shared/domain/service-types';
import { BENCH_VOCABULARY } from './import-feeds';

export interface ImportJobMessage {
  databaseUrl: string;
  dataDir: string;
  trustId: string;
  input: ImportInput;
  asOf: string;
}

export interface ImportRunFigures {
  status: string;
  records: number;
  published: number;
  complete: boolean | null;
  totalMs: number;
  /** From the start to the publish: reading, mapping and staging every record. */
  readMs: number;
  /** Publishing the staged services and building the trust's snapshot. */
  publishMs: number;
  baselineRssMiB: number;
  /** Highest RSS sampled (every 50 ms) while the feed was read and staged. */
  readPeakRssMiB: number;
  /** The process's peak RSS over the whole import (the snapshot build included). */
  peakRssMiB: number;
  readPeakHeapMiB: number;
  /** CPU seconds the import process used (user + system): the machine's other load does not count. */
  cpuSeconds: number;
}

const MiB = 1024 * 1024;

process.once('message', (job: ImportJobMessage) => {
  void (async () => {
    const db = connectPostgres(job.databaseUrl);
    const hints = createLocalHintBus();
    const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: job.dataDir, DATABASE_URL: job.databaseUrl, IMPORT_FETCH_ALLOW: '127.0.0.1', IMPORT_WITHDRAWAL_CONFIRM_PERCENT: '100' });
    await db.query('INSERT INTO trust (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [job.trustId]);
    await putTaxonomyMapping(db, job.trustId, { rules: SERVICE_TYPES.map((type) => ({ match: { vocabulary: BENCH_VOCABULARY, term: type }, type })) }, 'bench');
    await postcodeCentroids();
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    const samples: { at: number; rss: number; heap: number }[] = [];
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      samples.push({ at: Date.now(), rss: m.rss, heap: m.heapUsed });
    }, 50);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const result = await runImport({ db, config, hints }, job.trustId, 'bench', job.input, { asOf: job.asOf, fetch: { details: false } });
    const totalMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    const [times] = await db.query<{ started: Date; published: Date | null; finished: Date | null }>(
      'SELECT i.started_at AS started, s.published_at AS published, i.finished_at AS finished FROM directory_import i LEFT JOIN directory_state s ON s.trust_id = i.trust_id WHERE i.id = $1',
      [result.id],
    );
    const publishedAt = times!.published ? new Date(times!.published).getTime() : Date.now();
    const reading = samples.filter((s) => s.at <= publishedAt);
    const figures: ImportRunFigures = {
      status: result.status,
      records: result.counts?.records ?? 0,
      published: (result.counts?.imported ?? 0) + (result.counts?.repaired ?? 0),
      complete: result.complete,
      totalMs,
      readMs: publishedAt - new Date(times!.started).getTime(),
      publishMs: (times!.finished ? new Date(times!.finished).getTime() : Date.now()) - publishedAt,
      baselineRssMiB: baseline / MiB,
      readPeakRssMiB: Math.max(baseline, ...reading.map((s) => s.rss)) / MiB,
      peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      readPeakHeapMiB: Math.max(0, ...reading.map((s) => s.heap)) / MiB,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    await hints.close();
    await db.close();
    process.send!(figures);
  })().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
