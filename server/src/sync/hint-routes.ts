import type { ServerResponse } from 'node:http';
import type { SyncHint } from '../../../shared/sync/protocol';
import type { Principal } from '../auth/principal';
import { authenticate, type Hint, type RouteModule } from '../app';
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

/** What of a hint a user may be told, or null when it is not for them. Records hints go to their owner and the team's leads. */
export function hintFor(p: Principal, hint: Hint): SyncHint | null {
  if (hint.kind === 'directory') return { kind: 'directory', version: hint.version };
  const isOwner = p.roles.includes('clinician') && hint.clinicianId === p.userId;
  const leadsTeam = p.roles.includes('team_lead') && p.teamId !== null && hint.teamId === p.teamId;
  return isOwner || leadsTeam ? { kind: 'records' } : null;
}

const frame = (hint: SyncHint) => `event: ${hint.kind}\ndata: ${JSON.stringify(hint)}\n\n`;

/** GET /v1/sync/hints: server-sent events telling a desk when to pull records or catch up the directory. */
export function createHintRoutes(options: HintStreamOptions = {}): RouteModule {
  const keepAliveMs = options.keepAliveMs ?? 25_000;
  const maxStreamMs = options.maxStreamMs ?? 15 * 60_000;

  return (app, deps) => {
    const open = new Set<() => void>();
    // Before the server stops accepting and waits for requests to finish: a stream never finishes by itself.
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });

    app.get(
      '/v1/sync/hints',
      {
        onRequest: [authenticate(deps), checkProtocolVersion],
        schema: {
          tags: ['sync'],
          summary: 'Hints to pull (server-sent events)',
          description:
            'A text/event-stream. Events: `ready` (first; pull once), `records` (records you may see changed: pull), `directory` (a new directory version: catch up). Comment lines are keep-alives. The server ends the stream from time to time and on shutdown; reconnect with backoff.',
          security: [{ bearer: [] }],
        },
      },
      (request, reply) => {
        const principal = request.principal!;
        reply.hijack();
        const res: ServerResponse = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write(`retry: 5000\n\n${frame({ kind: 'ready' })}`);

        const unsubscribe = deps.hints.subscribe(principal.trustId, (hint) => {
          const visible = hintFor(principal, hint);
          if (visible) res.write(frame(visible));
        });
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
        const lifetime = setTimeout(() => end(), maxStreamMs);
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          open.delete(end);
          unsubscribe();
          clearInterval(keepAlive);
          clearTimeout(lifetime);
          res.end();
        };
        open.add(end);
        res.on('close', end);
      },
    );
  };
}

export const hintRoutes: RouteModule = createHintRoutes();
