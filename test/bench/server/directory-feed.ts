import { performance } from 'node:perf_hooks';
import { CHANGES_PAGE } from '../../../electron/core/sync/directory-sync';
import { MAX_CHANGES_LIMIT } from '../../../server/src/directory/changes-feed';
import { publishAndDistribute, type Publication } from '../../../server/src/directory/publisher';
import type { DirectoryService } from '../../../shared/domain/directory';
import type { TestUser } from '../../support/server-fixtures';
import { median, mib, round, summary } from '../stats';
import { ApiClient } from './api-client';
import type { BenchEnvironment } from './environment';

/** Changed services per incremental publish (a busy day's updates for a large trust). */
const CHANGES_PER_PUBLISH = 1000;
const CATCH_UP_READS = 20;
const UP_TO_DATE_READS = 200;

export interface FeedReadFigures {
  pageSize: number;
  pages: number;
  rows: number;
  MiB: number;
  totalMs: ReturnType<typeof summary>;
  rowsPerSecond: number;
  MiBPerSecond: number;
}

export interface DirectoryFigures {
  services: number;
  fullPublish: { runs: number; publishMs: ReturnType<typeof summary>; snapshotMs: ReturnType<typeof summary>; snapshotMiB: number; snapshotServices: number };
  incrementalPublish: { runs: number; changed: number; publishMs: ReturnType<typeof summary>; snapshotMs: ReturnType<typeof summary> };
  feed: FeedReadFigures[];
  catchUp: { changes: number } & ReturnType<typeof summary>;
  upToDate: ReturnType<typeof summary>;
}

/**
 * Publishing and the changes feed at full size. Full publishes (publish, then snapshot build,
 * timed apart by publishAndDistribute) go each into a trust of their own so every run starts from
 * an empty directory; incremental publishes re-import the whole feed with 1,000 services changed.
 * The feed is then read over HTTP from the server process as a desk reads it.
 */
export async function runDirectoryBench(
  env: BenchEnvironment,
  opts: { services: readonly DirectoryService[]; runs: number; reader: TestUser },
): Promise<DirectoryFigures> {
  const publish = (trustId: string, services: readonly DirectoryService[]) =>
    publishAndDistribute(env.publishDeps, trustId, services, { source: 'bench', complete: true }).then(checked);

  const full: Publication[] = [];
  for (let run = 0; run < opts.runs; run++) {
    const trustId = run === 0 ? opts.reader.trustId : `bench-publish-${run + 1}`;
    await env.addTrust(trustId);
    console.log(`server: publishing ${opts.services.length.toLocaleString()} services (${run + 1}/${opts.runs})…`);
    full.push(await publish(trustId, opts.services));
  }

  // Right after a big publish the table's statistics are stale until autovacuum analyzes it, and the
  // feed's page queries then scan and sort every remaining row (see docs/benchmarks.md): the feed is
  // measured as it runs once they are current, not at the mercy of autovacuum's timing.
  await env.db.query('ANALYZE directory_service');
  const client = new ApiClient(env.serverUrl, await env.token(opts.reader));
  const changed = Math.min(CHANGES_PER_PUBLISH, opts.services.length);
  const incremental: Publication[] = [];
  let before = '';
  let current = opts.services;
  for (let run = 0; run < opts.runs; run++) {
    before = (await client.manifest()).value.cursor;
    current = withChanges(current, changed, run);
    incremental.push(await publish(opts.reader.trustId, current));
  }

  const catchUp = await repeat(CATCH_UP_READS, async () => {
    const { value, ms } = await client.changes(before, CHANGES_PAGE);
    if (value.rows !== changed || value.more) throw new Error(`catch-up read ${value.rows} changes, expected ${changed}`);
    return ms;
  });
  const latest = (await client.manifest()).value.cursor;
  const upToDate = await repeat(UP_TO_DATE_READS, async () => {
    const { value, ms } = await client.changes(latest, CHANGES_PAGE);
    if (value.rows !== 0) throw new Error(`an up-to-date cursor read ${value.rows} changes`);
    return ms;
  });

  const feed: FeedReadFigures[] = [];
  for (const pageSize of new Set([CHANGES_PAGE, Math.min(MAX_CHANGES_LIMIT, opts.services.length)])) {
    console.log(`server: reading the whole changes feed in pages of ${pageSize.toLocaleString()}…`);
    feed.push(await readWholeFeed(client, pageSize, opts.runs, opts.services.length));
  }

  const snapshot = full[0]!.snapshot!;
  return {
    services: opts.services.length,
    fullPublish: {
      runs: full.length,
      publishMs: summary(full.map((p) => p.timings.publishMs)),
      snapshotMs: summary(full.map((p) => p.timings.snapshotMs)),
      snapshotMiB: mib(snapshot.bytes),
      snapshotServices: snapshot.services,
    },
    incrementalPublish: {
      runs: incremental.length,
      changed,
      publishMs: summary(incremental.map((p) => p.timings.publishMs)),
      snapshotMs: summary(incremental.map((p) => p.timings.snapshotMs)),
    },
    feed,
    catchUp: { changes: changed, ...summary(catchUp) },
    upToDate: summary(upToDate),
  };
}

function checked(p: Publication): Publication {
  if (!p.snapshot || p.snapshotError) throw new Error(`publish: no snapshot (${p.snapshotError})`);
  return p;
}

async function repeat(times: number, once: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await once());
  return samples;
}

/** The whole feed from no cursor, page after page as a new desk without a snapshot would read it. */
async function readWholeFeed(client: ApiClient, pageSize: number, runs: number, services: number): Promise<FeedReadFigures> {
  const totals: number[] = [];
  let pages = 0;
  let bytes = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    let cursor: string | null = null;
    let rows = 0;
    pages = 0;
    bytes = 0;
    for (let more = true; more; ) {
      const { value } = await client.changes(cursor, pageSize);
      rows += value.rows;
      bytes += value.bytes;
      pages++;
      cursor = value.cursor;
      more = value.more;
    }
    totals.push(performance.now() - started);
    if (rows !== services) throw new Error(`the whole feed held ${rows} services, expected ${services}`);
  }
  const seconds = median(totals) / 1000;
  return { pageSize, pages, rows: services, MiB: mib(bytes), totalMs: summary(totals), rowsPerSecond: round(services / seconds, 0), MiBPerSecond: round(bytes / 2 ** 20 / seconds, 1) };
}

/** The directory with `count` services changed the way a day's updates change them (hours, alerts, names). */
function withChanges(services: readonly DirectoryService[], count: number, round: number): DirectoryService[] {
  const step = Math.max(1, Math.floor(services.length / count));
  const next = services.slice();
  for (let k = 0; k < count; k++) {
    const i = (k * step + round) % services.length;
    const s = next[i]!;
    next[i] = { ...s, alert: `Hours changed this week (update ${round + 1})` };
  }
  return next;
}
