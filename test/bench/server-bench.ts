import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { round } from './stats';
import { runConcurrentDesks, type LoadOptions } from './server/concurrent-desks';
import { runDirectoryBench } from './server/directory-feed';
import { deskClinician, startBenchEnvironment } from './server/environment';
import { runPushBatches } from './server/push-batches';
import { loadFigures, TARGETS, type LoadFigures, type ServerFigures } from './server/report';
import { verifyRecords } from './server/verify-records';

export { printServerFigures } from './server/report';

/*
 * The central API under load: against a throwaway PostgreSQL and the real server as its
 * own process, so every figure includes HTTP, validation, tokens and the database.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');
const SEED = 42;
const DESKS = 50;
/** Runs of each push layout: enough for a p95 that is not simply the slowest run. */
const PUSH_RUNS = 20;
/** The desk's batch (electron/core/sync/outbox-push.ts) and the largest the server takes. */
const PUSH_LAYOUTS = [{ batches: 5, size: 200 }, { batches: 2, size: 500 }];
/** A desk saving every second or so: far busier than a clinician on a call, so 50 of these stand for a few hundred real ones. */
const THINK_MS = { min: 250, max: 1750 };

export async function runServerBench(opts: { workDir: string; count: number; runs: number; deskSeconds: number }): Promise<ServerFigures> {
  const loadAverageAtStart = loadavg();
  console.log(`server: generating ${opts.count.toLocaleString()} services…`);
  const services = generateDirectory({ seed: SEED, count: opts.count, sectors: loadEnglandSectors(GEO_DIR) });
  // Calls refer people to services of the same directory.
  const referrable = services.slice(0, 500);

  console.log('server: starting PostgreSQL and the server…');
  const env = await startBenchEnvironment({ workDir: opts.workDir, desks: DESKS });
  try {
    const [database] = await env.db.query<{ version: string; fsync: string; shared_buffers: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('shared_buffers') AS shared_buffers",
    );
    const directory = await runDirectoryBench(env, { services, runs: opts.runs, reader: deskClinician(0) });

    console.log(`server: pushing 1,000 mutations, ${PUSH_RUNS} runs of each layout…`);
    const push = await runPushBatches(env, { layouts: PUSH_LAYOUTS, runs: PUSH_RUNS, services: referrable, seed: SEED });
    const pushVerification = await verifyRecords(env.db, push.desks);

    const desks: LoadFigures[] = [];
    const variants: [string, LoadOptions['thinkMs']][] = [
      [`think time ${THINK_MS.min}–${THINK_MS.max} ms`, THINK_MS],
      ['no think time (stress)', null],
    ];
    for (const [i, [variant, thinkMs]] of variants.entries()) {
      console.log(`server: ${DESKS} desks for ${opts.deskSeconds} s, ${variant}…`);
      const load: LoadOptions = { desks: DESKS, seconds: opts.deskSeconds, thinkMs, services: referrable, seed: SEED + 100 * (i + 1) };
      const { tally, desks: simulated } = await runConcurrentDesks(env, load);
      desks.push(loadFigures(variant, load, tally, await verifyRecords(env.db, simulated)));
    }

    return {
      machine: { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: round(totalmem() / 2 ** 30, 1), loadAverageAtStart, loadAverageAtEnd: loadavg() },
      database: { version: database!.version, fsync: database!.fsync, sharedBuffers: database!.shared_buffers },
      services: opts.count,
      push: { layouts: push.figures, verification: pushVerification, target: TARGETS.push },
      directory,
      desks,
    };
  } finally {
    await env.stop();
  }
}
