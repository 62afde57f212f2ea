import type { Db } from '../../../server/src/db/db';
import { round } from '../stats';

/** What the server's database connections were doing, averaged over samples taken during a run. */
export interface DbActivity {
  samples: number;
  /** Server connections open (its pool holds at most 10) and, of those, running a statement or in a transaction. */
  connections: number;
  busy: number;
  /** Busy connections waiting for a lock: any, and the per-trust advisory lock that numbers record changes (migration 2). */
  waitingForLock: number;
  waitingForTrustLock: number;
  /** Busy connections waiting on I/O (WAL writes, reads). */
  waitingForIo: number;
}

interface Sample {
  connections: number;
  busy: number;
  lock: number;
  advisory: number;
  io: number;
}

/**
 * Samples pg_stat_activity every `everyMs` until stopped, from the bench's own connection (which
 * is left out of the counts), to tell a server waiting on locks from one short of CPU.
 */
export function sampleDbActivity(db: Db, everyMs = 100): () => Promise<DbActivity> {
  const samples: Sample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [s] = await db.query<Sample>(
        `SELECT count(*)::int AS connections,
                count(*) FILTER (WHERE state <> 'idle')::int AS busy,
                count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS lock,
                count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory')::int AS advisory,
                count(*) FILTER (WHERE wait_event_type IN ('IO', 'IPC') OR wait_event LIKE 'WAL%')::int AS io
         FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND application_name <> 'bench'
           AND query NOT LIKE 'LISTEN%'`,
      );
      samples.push(s!);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const mean = (pick: (s: Sample) => number) => round(samples.reduce((n, s) => n + pick(s), 0) / Math.max(1, samples.length), 2);
    return { samples: samples.length, connections: mean((s) => s.connections), busy: mean((s) => s.busy), waitingForLock: mean((s) => s.lock), waitingForTrustLock: mean((s) => s.advisory), waitingForIo: mean((s) => s.io) };
  };
}
