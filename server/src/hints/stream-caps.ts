import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db';

/*
 * Caps on open hint streams, per user and per desk, that hold across every API node: each open
 * stream is a row in PostgreSQL (hint_stream), claimed under a per-user lock before the stream
 * starts and deleted when it ends. A node refreshes its rows' seen_at on a timer; the rows of a
 * node that died stop counting once they are stale, so a crash costs a user at most a slot for a
 * minute or two, never a stream for good. A probe held 2,000 streams open with one token; a desk
 * needs one (two while it reconnects over a connection not yet seen to be dead).
 */

export interface StreamCapsOptions {
  perUser: number;
  perDesk: number;
  /** How often this node refreshes its streams' rows (the hint stream's keep-alive interval). */
  heartbeatMs: number;
}

export type StreamClaim = { ok: true; id: string } | { ok: false; over: 'user' | 'desk'; limit: number };

export interface StreamCaps {
  /** Claims a slot for a new stream of this user from this desk. */
  claim(userId: string, desk: string): Promise<StreamClaim>;
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
  let open = 0;
  const timer = setInterval(() => {
    if (open > 0) track(db.query('UPDATE hint_stream SET seen_at = now() WHERE node = $1', [node]));
  }, options.heartbeatMs);
  timer.unref();

  return {
    async claim(userId, desk) {
      const id = randomUUID();
      const result = await db.transaction<StreamClaim>(async (tx) => {
        // One user's claims one at a time, whichever node they reach, so two cannot both take the last slot.
        await tx.query('SELECT pg_advisory_xact_lock(7304, hashtext($1))', [userId]);
        await tx.query('DELETE FROM hint_stream WHERE user_id = $1 AND seen_at < now() - make_interval(secs => $2)', [userId, staleSeconds]);
        const [counts] = await tx.query<{ user_streams: number; desk_streams: number }>(
          'SELECT count(*)::int AS user_streams, (count(*) FILTER (WHERE desk = $2))::int AS desk_streams FROM hint_stream WHERE user_id = $1',
          [userId, desk],
        );
        if (counts!.desk_streams >= options.perDesk) return { ok: false, over: 'desk', limit: options.perDesk };
        if (counts!.user_streams >= options.perUser) return { ok: false, over: 'user', limit: options.perUser };
        await tx.query('INSERT INTO hint_stream (id, user_id, desk, node) VALUES ($1, $2, $3, $4)', [id, userId, desk, node]);
        return { ok: true, id };
      });
      if (result.ok) open++;
      return result;
    },
    release(id) {
      open = Math.max(0, open - 1);
      track(db.query('DELETE FROM hint_stream WHERE id = $1', [id]));
    },
    async close() {
      clearInterval(timer);
      await Promise.all(pending);
      await db.query('DELETE FROM hint_stream WHERE node = $1', [node]).catch(() => {});
    },
  };
}
