import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, SeqGap } from '../../../shared/sync/protocol';
import type { Principal } from '../auth/principal';
import { authenticate, errorBody, HttpError, type App, type RouteModule, type ServerDeps } from '../app';
import { answerReports } from '../directory/quality/publish-overlays';
import { pullRecords, type RecordScope } from './pull';
import { sentDesk } from './desk-header';
import { pushBatch, SeqGapError } from './push';
import { pushTimingHooks, timedApply } from './push-timing';
import { warmUpPushPath } from './push-warm-up';

/** The body of every 4xx/5xx answer (app.ts errorBody). */
export const ErrorBody = z.object({ error: z.string(), message: z.string() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 426: ErrorBody };

/** onRequest, after authenticate: a desk that names a protocol version this server does not speak is asked to update, not misread. */
export async function checkProtocolVersion(request: FastifyRequest, reply: FastifyReply) {
  const version = request.headers[PROTOCOL_HEADER];
  if (version !== undefined && version !== String(PROTOCOL_VERSION)) {
    return reply.code(426).send(errorBody('upgrade_required', `This server speaks sync protocol ${PROTOCOL_VERSION}, not ${String(version)}: update Crisis Desk.`));
  }
}

/** POST /v1/sync/push and GET /v1/sync/records: call records from desks, and back to those who may see them. */
export const syncRoutes: RouteModule = (app: App, deps: ServerDeps) => {
  // Before the server answers: a desk's first push no longer pays for compiling the path (push-warm-up.ts).
  // Never a reason not to start: push-warm-up.test.ts keeps its made-up batch valid.
  try {
    warmUpPushPath();
  } catch (e) {
    app.log.warn({ err: { type: (e as Error).name } }, 'push warm-up failed; the first push will be slower');
  }
  app.post(
    '/v1/sync/push',
    {
      onRequest: [authenticate(deps, 'clinician'), checkProtocolVersion],
      ...pushTimingHooks,
      schema: {
        tags: ['sync'],
        summary: 'Apply a desk’s batch of changes (call records, reports of directory problems), each once, in seq order',
        description:
          'One transaction per batch; the answer’s Server-Timing header tells where the server’s time went. Every item is answered applied, duplicate (already applied: a replay), conflict (a draft changed on another desk; both kept) or rejected (with a reason). A batch that does not start right after the last applied seq is refused whole with 409 and the seq to send from.',
        security: [{ bearer: [] }],
        body: PushRequest,
        response: { 200: PushResponse, 409: SeqGap, 413: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (!principal.teamId) throw new HttpError(403, 'no_team', 'Your account is not in a team, so the server cannot file your call records. Ask an administrator to add you to one.');
      const writer = { userId: principal.userId, trustId: principal.trustId, teamId: principal.teamId, clientId: request.body.clientId };
      try {
        const outcome = await timedApply(request, reply, () => pushBatch(deps.db, writer, request.body));
        // Reports of directory problems are published to the trust's desks before the answer goes back.
        await answerReports(deps, principal.trustId, request.body.mutations, outcome.response, outcome.newReports, request.log);
        if (outcome.changedRecords) {
          const log: FastifyBaseLogger = request.log;
          // Each owner of a changed record (an addendum may be a teammate's) and the team's leads.
          // Not the pushing desk itself (it names itself in DESK_HEADER): it holds these changes already.
          const fromDesk = sentDesk(request.headers) ?? undefined;
          for (const clinicianId of outcome.owners) {
            deps.hints.notify(principal.trustId, { kind: 'records', teamId: principal.teamId, clinicianId, fromDesk }).catch((e: Error) => {
              log.warn({ err: { type: e.name } }, 'could not send a records hint');
            });
          }
        }
        return outcome.response;
      } catch (e) {
        if (e instanceof SeqGapError) return reply.code(409).send({ error: 'seq_gap' as const, message: e.message, expectedSeq: e.expectedSeq });
        throw e;
      }
    },
  );

  app.get(
    '/v1/sync/records',
    {
      onRequest: [authenticate(deps, 'clinician', 'team_lead'), checkProtocolVersion],
      schema: {
        tags: ['sync'],
        summary: 'Call records the caller may see, changed since the cursor',
        description: 'A clinician gets their own records, a team lead their team’s; addenda included. Pass back the cursor to get only later changes; more is true while pages remain.',
        security: [{ bearer: [] }],
        querystring: z.object({
          cursor: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
        response: { 200: PullResponse, ...errors },
      },
    },
    async (request) => pullRecords(deps.db, recordScopeOf(request.principal!), request.query.cursor, request.query.limit),
  );
};

/** A team lead reads their team's records; anyone else with the clinician role their own. */
export function recordScopeOf(p: Principal): RecordScope {
  if (p.roles.includes('team_lead') && p.teamId) return { trustId: p.trustId, teamId: p.teamId };
  if (p.roles.includes('clinician')) return { trustId: p.trustId, clinicianId: p.userId };
  throw new HttpError(403, 'forbidden', 'Your account is not in a team, so there are no team records for you to see.');
}
