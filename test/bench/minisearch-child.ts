/*
 * The peer: the same services and queries through MiniSearch, an in-memory full-text index, with
 * the same filters (distance, type, age, route, open now) applied in a filter callback.
 */
import { performance } from 'node:perf_hooks';
import MiniSearch from 'minisearch';
import type { SearchParams } from '../../shared/contract';
import type { DirectoryService } from '../../shared/domain/directory';
import { englandAndWalesCalendar } from '../../shared/lib/bank-holidays';
import { distanceKm } from '../../shared/lib/geo';
import { compileSchedule, isOpen, openContextAt, type CompiledSchedule } from '../../shared/lib/opening-hours';
import { loadPostcodeCentroids } from '../../electron/core/directory/postcode-centroids';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { timeQueries } from './queries';

interface Job {
  geoDir: string;
  seed: number;
  count: number;
  nowIso: string;
  queries: Record<string, SearchParams[]>;
  rounds: number;
}

interface Doc {
  id: number;
  name: string;
  organisation: string;
  area: string;
  keywords: string;
  description: string;
}

process.once('message', async (job: Job) => {
  const services: DirectoryService[] = generateDirectory({ seed: job.seed, count: job.count, sectors: loadEnglandSectors(job.geoDir) });
  const postcodes = loadPostcodeCentroids(job.geoDir);
  const calendar = englandAndWalesCalendar();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();

  const t0 = performance.now();
  const schedules: CompiledSchedule[] = services.map((s) => compileSchedule(s.schedule));
  const index = new MiniSearch<Doc>({ fields: ['name', 'organisation', 'area', 'keywords', 'description'], storeFields: [], searchOptions: { boost: { name: 10, organisation: 4, area: 3, keywords: 3 } } });
  index.addAll(
    services.map((s, id) => ({
      id,
      name: s.name,
      organisation: s.organisation.name,
      area: [s.coverage.description ?? '', ...s.coverage.postcodes, ...s.locations.map((l) => `${l.name ?? ''} ${l.address ?? ''} ${l.postcode ?? ''}`)].join(' '),
      keywords: s.keywords.join(' '),
      description: s.description ?? '',
    })),
  );
  const buildMs = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();

  const ctx = openContextAt(new Date(job.nowIso), calendar);
  const { latencies, totals } = await timeQueries(job.queries, job.rounds, (q) => {
    const origin = q.postcode ? postcodes.lookup(q.postcode) : null;
    const radius = q.radiusKm ?? 25;
    const filter = (r: { id: number }) => {
      const svc = services[r.id]!;
      if (svc.status === 'defunct') return false;
      if (q.types?.length && !q.types.includes(svc.type)) return false;
      if (q.age !== undefined && ((svc.ageMin !== null && q.age < svc.ageMin) || (svc.ageMax !== null && q.age > svc.ageMax))) return false;
      if (q.referralRoutes?.length && !svc.referral.routes.some((x) => q.referralRoutes!.includes(x))) return false;
      if (q.openNow && (svc.status !== 'active' || !isOpen(schedules[r.id]!, ctx))) return false;
      if (origin) {
        const district = origin.label.split(' ')[0]!;
        const near = svc.locations.some((l) => distanceKm(origin.lat, origin.lon, l.lat, l.lon) <= radius);
        if (!near && !svc.coverage.national && !svc.coverage.postcodes.includes(district)) return false;
      }
      return true;
    };
    const hits = q.text
      ? index.search(q.text, { prefix: true, combineWith: 'AND', filter })
      : index.search(MiniSearch.wildcard, { filter });
    return hits.length;
  });
  process.send!({
    buildMs,
    heapDeltaBytes: after.heapUsed - before.heapUsed,
    rssBytes: after.rss,
    rssDeltaBytes: after.rss - before.rss,
    latencies,
    totals,
  });
});
