import type { ServerResponse } from 'node:http';
import { DESK_HEADER, type SyncHint } from '../../../shared/sync/protocol';
import { sentDesk } from './desk-header';
import type { Principal } from '../auth/principal';
import { authenticate, errorBody, type Hint, type RouteModule } from '../app';
import { createStreamCaps } from '../hints/stream-caps';
import { checkProtocolVersion } from './sync-routes';

export interface HintStreamOptions {
  /** A comment line this often keeps proxies and the desk from taking a quiet stream for a dead one. */
  keepAliveMs?: number;
  /**
   * Streams are ended after this long and the desk reconnects, so a revoked or expired token
   * stops receiving hints within this time.
   */
  maxStreamMs?: number;
}

/**
 * What of a hint a user may be told on a desk, or null when it is not for them. Records hints go to
 * their owner and the team's leads, except on the desk whose push made the change: it holds the
 * change already, and pulling it straight back cost every autosave a second round trip.
 */
export function hintFor(p: Principal, hint: Hint, desk: string | null = null): SyncHint | null {
  if (hint.kind === 'directory') return { kind: 'directory', version: hint.version };
  if (hint.fromDesk !== undefined && desk === deskKey(hint.fromDesk)) return null;
  const isOwner = p.roles.includes('clinician') && hint.clinicianId === p.userId;
  const leadsTeam = p.roles.includes('team_lead') && p.teamId !== null && hint.teamId === p.teamId;
  return isOwner || leadsTeam ? { kind: 'records' } : null;
}

const frame = (hint: SyncHint) => `event: ${hint.kind}\ndata: ${JSON.stringify(hint)}\n\n`;

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
};

const deskKey = (clientId: string) => `client:${clientId}`;

/** Which desk a stream is from: the clientId it sends, or (a client that sends none) its token. */
function deskOf(headers: Record<string, string | string[] | undefined>, p: Principal): string {
  const sent = sentDesk(headers);
  return sent ? deskKey(sent) : `token:${p.jti ?? 'none'}`;
}

/** GET /v1/sync/hints: server-sent events telling a desk when to pull records or catch up the directory. */
export function createHintRoutes(options: HintStreamOptions = {}): RouteModule {
  const keepAliveMs = options.keepAliveMs ?? 25_000;
  const maxStreamMs = options.maxStreamMs ?? 15 * 60_000;

  return (app, deps) => {
    const open = new Set<() => void>();
    const caps = createStreamCaps(deps.db, { perUser: deps.config.HINT_STREAMS_PER_USER, perDesk: deps.config.HINT_STREAMS_PER_DESK, heartbeatMs: keepAliveMs });
    // Before the server stops accepting and waits for requests to finish: a stream never finishes by itself.
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });
    app.addHook('onClose', async () => caps.close());

    app.get(
      '/v1/sync/hints',
      {
        onRequest: [authenticate(deps), checkProtocolVersion],
        schema: {
          tags: ['sync'],
          summary: 'Hints to pull (server-sent events)',
          description:
            'A text/event-stream. Events: `ready` (first; pull once), `records` (records you may see changed: pull), `directory` (a new directory version: catch up). Comment lines are keep-alives. The server ends the stream from time to time and on shutdown; reconnect with backoff. ' +
            `Send the desk's clientId in ${DESK_HEADER}. Open streams are capped per user and per desk across every API node: over the user's cap the answer is 429 with Retry-After; over the desk's, the desk's oldest stream is ended. HEAD answers at once, without a stream.`,
          security: [{ bearer: [] }],
        },
      },
      async (request, reply) => {
        const principal = request.principal!;
        // HEAD (Fastify answers it with this handler): the headers a stream would have, and no stream.
        if (request.method === 'HEAD') return reply.code(200).headers(STREAM_HEADERS).send();
        // A newer stream of the same desk can end this one through its claim, even before it runs.
        let evicted = false;
        let end: () => void = () => {
          evicted = true;
        };
        const desk = deskOf(request.headers, principal);
        const claim = await caps.claim(principal.userId, desk, () => end());
        if (!claim.ok) {
          const message = `Your account already has ${claim.limit} hint streams open (one per desk you are signed in on): sign out of a desk you no longer use.`;
          return reply.code(429).header('retry-after', '30').send(errorBody('too_many_streams', message));
        }
        const res: ServerResponse = reply.raw;
        // The desk went away while the slot was claimed: give it back, there is nobody to stream to.
        if (request.raw.destroyed || res.destroyed) {
          caps.release(claim.id);
          return reply.hijack();
        }
        reply.hijack();
        res.writeHead(200, { ...STREAM_HEADERS, connection: 'keep-alive' });
        res.write(`retry: 5000\n\n${frame({ kind: 'ready' })}`);

        const unsubscribe = deps.hints.subscribe(principal.trustId, (hint) => {
          const visible = hintFor(principal, hint, desk);
          if (visible) res.write(frame(visible));
        });
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
        const lifetime = setTimeout(() => end(), maxStreamMs);
        let ended = false;
        end = () => {
          if (ended) return;
          ended = true;
          open.delete(end);
          unsubscribe();
          clearInterval(keepAlive);
          clearTimeout(lifetime);
          caps.release(claim.id);
          res.end();
        };
        open.add(end);
        res.on('close', end);
        if (evicted) end();
        return reply;
      },
    );
  };
}

export const hintRoutes: RouteModule = createHintRoutes();
