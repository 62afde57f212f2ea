import { Random } from '../../../scripts/synthetic/random';
import type { DirectoryService } from '../../../shared/domain/directory';
import { median, mib, round, summary } from '../stats';
import { ApiClient } from './api-client';
import { OUTAGE_CLINICIAN, type BenchEnvironment } from './environment';
import { SimulatedDesk } from './simulated-desk';

/** How a desk's outbox of 1,000 is cut: `batches` pushes of `size` mutations, one after another. */
export interface BatchLayout {
  batches: number;
  size: number;
}

export interface PushLayoutFigures {
  layout: string;
  runs: number;
  mutations: number;
  /** Request bodies of one run, all batches together. */
  bodyMiB: number;
  totalMs: ReturnType<typeof summary>;
  batchMs: ReturnType<typeof summary>;
  mutationsPerSecond: number;
  /** Mutations by kind, and the calls they belong to, in the last run. */
  mix: Record<string, number>;
  calls: number;
}

/**
 * A desk back from an outage pushes its queued mutations, batch after batch, as its outbox does.
 * Every run is a fresh desk (new client id) with 1,000 mutations of some 150 calls (drafts, finalises
 * with their hashes, addenda, discards), serialised before the clock starts; each batch is timed
 * from the request to the answer read. One untimed run first warms the server up.
 */
export async function runPushBatches(
  env: BenchEnvironment,
  opts: { layouts: readonly BatchLayout[]; runs: number; services: readonly DirectoryService[]; seed: number },
): Promise<{ figures: PushLayoutFigures[]; desks: SimulatedDesk[] }> {
  const client = new ApiClient(env.serverUrl, await env.token(OUTAGE_CLINICIAN));
  const desks: SimulatedDesk[] = [];
  const figures: PushLayoutFigures[] = [];
  let stream = 0;
  for (const layout of opts.layouts) {
    const totals: number[] = [];
    const batches: number[] = [];
    let bodyBytes = 0;
    let mix: Record<string, number> = {};
    let calls = 0;
    for (let run = -1; run < opts.runs; run++) {
      const desk = new SimulatedDesk(OUTAGE_CLINICIAN, Random.stream(opts.seed, stream++), opts.services);
      desks.push(desk);
      const bodies = Array.from({ length: layout.batches }, (_, i) => {
        const mutations = desk.nextMutations(layout.size);
        return JSON.stringify(desk.request(mutations, (layout.batches - i - 1) * layout.size));
      });
      const times: number[] = [];
      for (const body of bodies) {
        const { value, ms } = await client.push(body);
        const problems = desk.acknowledge(value);
        if (problems.length > 0) throw new Error(`push of 1,000: ${problems.length} mutations not applied (${problems[0]})`);
        times.push(ms);
      }
      if (run < 0) continue;
      totals.push(times.reduce((a, b) => a + b, 0));
      batches.push(...times);
      bodyBytes = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0);
      mix = mutationMix(bodies);
      calls = desk.expected.size;
    }
    figures.push({
      layout: `${layout.batches}×${layout.size}`,
      runs: opts.runs,
      mutations: layout.batches * layout.size,
      bodyMiB: mib(bodyBytes),
      totalMs: summary(totals),
      batchMs: summary(batches),
      mutationsPerSecond: round((layout.batches * layout.size) / (median(totals) / 1000), 0),
      mix,
      calls,
    });
  }
  return { figures, desks };
}

function mutationMix(bodies: string[]): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const b of bodies) for (const m of (JSON.parse(b) as { mutations: { payload: { kind: string } }[] }).mutations) mix[m.payload.kind] = (mix[m.payload.kind] ?? 0) + 1;
  return mix;
}
