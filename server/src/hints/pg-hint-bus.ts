import { EventEmitter } from 'node:events';
import pg from 'pg';
import { z } from 'zod';
import type { Hint, HintBus } from '../app';
import type { Queryable } from '../db/db';

/*
 * Hints across every API node over one PostgreSQL: a hint is sent with NOTIFY and each node
 * LISTENs on one dedicated connection, handing hints to the desks connected to it. A hint is only
 * a nudge to pull (desks also pull on connecting and on a timer), so one lost while a node
 * reconnects costs a little delay, never data.
 */

export const HINT_CHANNEL = 'crisis_desk_hint';

const Message = z.object({
  trustId: z.string(),
  hint: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('directory'), version: z.number().int() }),
    z.object({ kind: z.literal('records'), teamId: z.string(), clinicianId: z.string() }),
  ]),
});

export interface PgHintBusOptions {
  /** Where NOTIFY is sent (the server's pool). */
  db: Queryable;
  /** For the LISTEN connection, which must be a connection of its own. */
  connectionString: string;
  /** Longest wait between attempts to reconnect the LISTEN connection. */
  maxReconnectMs?: number;
  onError?: (e: Error) => void;
}

export interface PgHintBus extends HintBus {
  /** Resolves once this node is listening (the first connection). */
  ready: Promise<void>;
}

export function createPgHintBus(options: PgHintBusOptions): PgHintBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const maxReconnectMs = options.maxReconnectMs ?? 30_000;
  let client: pg.Client | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;

  const dispatch = (payload: string | undefined) => {
    const parsed = Message.safeParse(payload === undefined ? null : safeJson(payload));
    if (parsed.success) emitter.emit(parsed.data.trustId, parsed.data.hint);
  };

  const connect = async (): Promise<void> => {
    // keepAlive: a listener whose database vanished (a failover) is found dead and reconnected.
    const c = new pg.Client({ connectionString: options.connectionString, keepAlive: true });
    c.on('notification', (n) => n.channel === HINT_CHANNEL && dispatch(n.payload));
    c.on('error', (e) => lost(c, e));
    c.on('end', () => lost(c, new Error('hint listener connection ended')));
    try {
      await c.connect();
      await c.query(`LISTEN ${HINT_CHANNEL}`);
    } catch (e) {
      c.end().catch(() => {});
      throw e;
    }
    if (closed) {
      await c.end();
      return;
    }
    client = c;
    failures = 0;
  };

  const lost = (c: pg.Client, e: Error) => {
    if (closed || client !== c) return;
    client = null;
    options.onError?.(e);
    c.end().catch(() => {});
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const wait = Math.min(maxReconnectMs, 250 * 2 ** failures++) * Math.random();
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().catch((e: Error) => {
        options.onError?.(e);
        scheduleReconnect();
      });
    }, wait);
  };

  const ready = connect();
  ready.catch((e: Error) => {
    options.onError?.(e);
    scheduleReconnect();
  });

  return {
    ready,
    async notify(trustId: string, hint: Hint) {
      await options.db.query('SELECT pg_notify($1, $2)', [HINT_CHANNEL, JSON.stringify({ trustId, hint })]);
    },
    subscribe(trustId, listener) {
      emitter.on(trustId, listener);
      return () => emitter.off(trustId, listener);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      emitter.removeAllListeners();
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
