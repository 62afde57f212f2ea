import { z } from 'zod';
import { ShiftSummary, summariseShift } from '../../../shared/lib/shift-summary';
import type { Principal } from '../auth/principal';
import { authenticate, HttpError, type RouteModule } from '../app';
import type { Queryable } from '../db/db';
import { ErrorBody } from '../sync/sync-routes';
import { directoryEntries, teamDesksWithPending, teamInTrust, teamRecordsStartedBetween } from './summary-sql';

/** Longest range one summary covers: a month of shifts. */
export const MAX_SUMMARY_DAYS = 31;

const Query = z
  .object({
    teamId: z.string().min(1).max(200).regex(/^[^\u0000]*$/, 'must not contain NUL'),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'must be after from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_SUMMARY_DAYS * 86_400_000, { path: ['to'], message: `at most ${MAX_SUMMARY_DAYS} days after from` });

/** A team lead sees their own team's summary; an admin any team of their trust; nobody another trust's. */
async function checkMaySummarise(db: Queryable, p: Principal, teamId: string): Promise<void> {
  if (p.roles.includes('team_lead') && p.teamId === teamId) return;
  if (p.roles.includes('admin')) {
    if (await teamInTrust(db, p.trustId, teamId)) return;
    throw new HttpError(404, 'not_found', 'There is no team with this id in your trust.');
  }
  throw new HttpError(403, 'forbidden', 'You can only see the shift summary of a team you lead.');
}

export interface SummaryRouteOptions {
  /** The server clock, which judges callbacks overdue. */
  now?: () => Date;
}

/** GET /v1/summaries/shift: aggregates of a team's calls for handover, with no free text and nothing identifying. */
export function createSummaryRoutes(options: SummaryRouteOptions = {}): RouteModule {
  const now = options.now ?? (() => new Date());
  return (app, deps) => {
    app.get(
      '/v1/summaries/shift',
      {
        onRequest: authenticate(deps, 'team_lead', 'admin'),
        schema: {
          tags: ['summaries'],
          summary: 'Shift summary of a team for a time range',
          description:
            'Aggregates of the calls the team started in [from, to): contacts by London clock hour, route and caller type; handling time; outcomes; referrals by service type and directory service; escalations; callbacks; records still in draft; desks with unsynced changes. No free text and nothing identifying.',
          security: [{ bearer: [] }],
          querystring: Query,
          response: { 200: ShiftSummary, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const p = request.principal!;
        const { teamId } = request.query;
        await checkMaySummarise(deps.db, p, teamId);
        const from = new Date(request.query.from);
        const to = new Date(request.query.to);
        const [records, desks] = await Promise.all([
          teamRecordsStartedBetween(deps.db, p.trustId, teamId, from, to),
          teamDesksWithPending(deps.db, p.trustId, teamId),
        ]);
        const serviceIds = [...new Set(records.flatMap((r) => r.content.referrals.map((ref) => ref.serviceId)))];
        const directory = await directoryEntries(deps.db, p.trustId, serviceIds);
        return summariseShift({ teamId, from, to, now: now(), records, desks, directory: (id) => directory.get(id) });
      },
    );
  };
}

export const summaryRoutes: RouteModule = createSummaryRoutes();
