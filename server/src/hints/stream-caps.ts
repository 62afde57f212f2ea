import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db';

/*
 * Caps on open hint streams, per user and per desk, that hold across every API node: each open
 * stream is a row in PostgreSQL (hint_stream), claimed under a per-user lock before the stream
 * starts and deleted when it ends. A node refreshes its rows' seen_at on a timer; the rows of a
 * node that died stop counting once they are stale, so a crash costs a user at most a slot for a
 * minute or two, never a stream for good. A probe held 2,000 streams open with one token; a desk
 * needs one (two while it reconnects over a connection not yet seen to be dead).
 *
 * Over the user's cap a new stream is refused. Over the desk's cap the desk's oldest stream gives
 * way instead: the desk is evidently reconnecting, and its old stream is one it no longer reads (a
 * dead connection, a proxy that never let go). An evicted stream on this node ends at once; one on
 * another node ends at that node's next heartbeat, which finds its row gone.
 */

export interface StreamCapsOptions {
  perUser: number;
  perDesk: number;
  /** How often this node refreshes its streams' rows (the hint stream's keep-alive interval). */
  heartbeatMs: number;
}

export type StreamClaim = { ok: true; id: string } | { ok: false; over: 'user'; limit: number };

export interface StreamCaps {
  /** Claims a slot for a new stream of this user from this desk; `end` is called if another of the desk's streams takes its place. */
  claim(userId: string, desk: string, end: () => void): Promise<StreamClaim>;
  /** Gives a slot back when its stream ends. */
  release(id: string): void;
  /** Stops the heartbeat and removes this node's rows (shutdown). */
  close(): Promise<void>;
}

export function createStreamCaps(db: Db, options: StreamCapsOptions): StreamCaps {
  const node = randomUUID();
  // Three missed heartbeats and a row no longer counts.
  const staleSeconds = Math.ceil((options.heartbeatMs * 3) / 1000);
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const quiet = p.catch(() => {});
    pending.add(quiet);
    void quiet.finally(() => pending.delete(quiet));
  };
  /** This node's streams, by row id: how to end each. */
  const local = new Map<string, () => void>();
  const timer = setInterval(() => {
    if (local.size === 0) return;
    track(
      db.query<{ id: string }>('UPDATE hint_stream SET seen_at = now() WHERE node = $1 RETURNING id', [node]).then((rows) => {
        const alive = new Set(rows.map((r) => r.id));
        // Rows another node's claim removed: those streams gave way to a newer one from the same desk.
        for (const [id, end] of [...local]) if (!alive.has(id)) end();
      }),
    );
  }, options.heartbeatMs);
  timer.unref();

  return {
    async claim(userId, desk, end) {
      const id = randomUUID();
      const result = await db
        .transaction<{ claim: StreamClaim; evicted: string[] }>(async (tx) => {
          // One user's claims one at a time, whichever node they reach, so two cannot both take the last slot.
          await tx.query('SELECT pg_advisory_xact_lock(7304, hashtext($1))', [userId]);
          await tx.query('DELETE FROM hint_stream WHERE user_id = $1 AND seen_at < now() - make_interval(secs => $2)', [userId, staleSeconds]);
          // The desk's oldest streams beyond its share give way to this one.
          const evicted = await tx.query<{ id: string }>(
            `DELETE FROM hint_stream WHERE id IN (
               SELECT id FROM hint_stream WHERE user_id = $1 AND desk = $2 ORDER BY opened_at DESC, id OFFSET $3
             ) RETURNING id`,
            [userId, desk, options.perDesk - 1],
          );
          const [counts] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM hint_stream WHERE user_id = $1', [userId]);
          if (counts!.n >= options.perUser) throw new OverUserCap();
          await tx.query('INSERT INTO hint_stream (id, user_id, desk, node) VALUES ($1, $2, $3, $4)', [id, userId, desk, node]);
          return { claim: { ok: true, id }, evicted: evicted.map((r) => r.id) };
        })
        .catch((e: unknown) => {
          // Refused whole: nothing the claim deleted is lost (the transaction rolled back).
          if (e instanceof OverUserCap) return { claim: { ok: false, over: 'user', limit: options.perUser } as StreamClaim, evicted: [] };
          throw e;
        });
      for (const gone of result.evicted) local.get(gone)?.();
      if (result.claim.ok) local.set(id, end);
      return result.claim;
    },
    release(id) {
      if (!local.delete(id)) return;
      track(db.query('DELETE FROM hint_stream WHERE id = $1', [id]));
    },
    async close() {
      clearInterval(timer);
      await Promise.all(pending);
      await db.query('DELETE FROM hint_stream WHERE node = $1', [node]).catch(() => {});
    },
  };
}

/** Thrown inside the claim's transaction to roll back what it deleted. */
class OverUserCap extends Error {}
