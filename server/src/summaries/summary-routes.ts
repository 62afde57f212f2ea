import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { writeShiftExport } from '../../../export/shift-export';
import { AUDIENCES } from '../../../shared/lib/disclosure';
import { contactsOf } from '../../../shared/lib/shift-contacts';
import { EXPORT_FORMATS, EXPORT_MEDIA_TYPES, exportFileName, type ExportFormat } from '../../../shared/lib/shift-export-formats';
import { ShiftPreset } from '../../../shared/lib/shift-presets';
import { mergeOfflineStretches, ShiftSummary, summariseShift, type ShiftSummaryInput } from '../../../shared/lib/shift-summary';
import { OFFLINE_HISTORY_DAYS, TeamContext } from '../../../shared/lib/shift-team-context';
import type { Principal } from '../auth/principal';
import { authenticate, HttpError, type RouteModule } from '../app';
import type { Queryable } from '../db/db';
import { ErrorBody } from '../sync/sync-routes';
import {
  directoryEntries,
  replaceTeamShiftPresets,
  teamDesks,
  teamDirectoryProblems,
  teamOf,
  teamsOf,
  teamOfflineStretches,
  teamPeople,
  teamRecordsAsOf,
  teamShiftPresets,
  teamSummaryRecords,
} from './summary-sql';

/** Longest range one summary covers: a month of shifts. */
export const MAX_SUMMARY_DAYS = 31;

const TeamId = z.string().min(1).max(200).regex(/^[^\u0000]*$/, 'must not contain NUL');

const Query = z
  .object({
    teamId: TeamId,
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    /** json (the default), csv, xlsx or pdf; or ask by Accept header. */
    format: z.enum(['json', ...EXPORT_FORMATS]).optional(),
    /** Who a file is for (required for files): handover within the team, or reporting outside it. */
    audience: z.enum(AUDIENCES).optional(),
  })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { path: ['to'], message: 'must be after from (the range is empty or reversed)' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_SUMMARY_DAYS * 86_400_000, { path: ['to'], message: `must be at most ${MAX_SUMMARY_DAYS} days after from` });

/** A team lead sees their own team's summary; an admin any team of their trust; nobody another trust's. */
async function checkMaySummarise(db: Queryable, p: Principal, teamId: string): Promise<{ id: string; name: string }> {
  const team = await teamOf(db, p.trustId, teamId);
  if (p.roles.includes('team_lead') && p.teamId === teamId && team) return team;
  if (p.roles.includes('admin')) {
    if (team) return team;
    throw new HttpError(404, 'not_found', 'teamId: there is no team with this id in your trust.');
  }
  throw new HttpError(403, 'forbidden', 'teamId: you can only see the shift summary of a team you lead.');
}

const MEDIA_FORMATS: [string, ExportFormat][] = EXPORT_FORMATS.map((f) => [EXPORT_MEDIA_TYPES[f].split(';')[0]!, f]);

/** The format asked for: the format parameter, else the first acceptable media type we make (JSON by default). */
function formatOf(request: FastifyRequest, asked: 'json' | ExportFormat | undefined): 'json' | ExportFormat {
  if (asked) return asked;
  const accept = request.headers.accept ?? '';
  const ranked = accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.map((x) => x.trim()).find((x) => x.startsWith('q='))?.slice(2) ?? 1);
      return { type: type!.trim(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { type } of ranked) {
    if (type === 'application/json') return 'json';
    const hit = MEDIA_FORMATS.find(([media]) => media === type);
    if (hit) return hit[1];
  }
  return 'json';
}

export interface SummaryRouteOptions {
  /** The server clock, which judges callbacks overdue. Summaries are made as of its whole minute. */
  now?: () => Date;
  /** Printed on every file. */
  appVersion?: string;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The minute a summary is made as of: two made in the same minute from the same data are the same bytes. */
export const wholeMinute = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

/** Everything the pure summary needs, read from PostgreSQL for one team and range. */
export async function serverSummaryInput(db: Queryable, trustId: string, teamId: string, from: Date, to: Date, now: Date): Promise<ShiftSummaryInput & { recordsAsOf: string | null }> {
  const [records, desks, offline, people, recordsAsOf, directoryProblems] = await Promise.all([
    teamSummaryRecords(db, trustId, teamId, from, to, now),
    teamDesks(db, trustId, teamId),
    teamOfflineStretches(db, trustId, teamId, from, now),
    teamPeople(db, trustId, teamId),
    teamRecordsAsOf(db, trustId, teamId),
    teamDirectoryProblems(db, trustId, teamId, from, to),
  ]);
  const directory = await directoryEntries(db, trustId, [...new Set(records.flatMap((r) => r.referrals.map((ref) => ref.serviceId)))]);
  const names = new Map(people.map((p) => [p.id, p.name]));
  return {
    teamId, from, to, now, records, desks, offlinePeriods: offline,
    directoryProblems,
    directory: (id) => directory.get(id),
    people: (id) => names.get(id),
    recordsAsOf,
  };
}

/** GET /v1/summaries/shift (JSON or a file), GET /v1/summaries/teams, GET /v1/summaries/team-context, PUT /v1/admin/teams/{teamId}/shift-presets. */
export function createSummaryRoutes(options: SummaryRouteOptions = {}): RouteModule {
  const now = () => wholeMinute((options.now ?? (() => new Date()))());
  const appVersion = options.appVersion ?? packageVersion();
  return (app, deps) => {
    app.get(
      '/v1/summaries/shift',
      {
        onRequest: authenticate(deps, 'team_lead', 'admin'),
        schema: {
          tags: ['summaries'],
          summary: 'Shift summary of a team for a time range, as JSON or as a CSV, XLSX or PDF file',
          description: `Aggregates of the calls the team started in [from, to) (at most ${MAX_SUMMARY_DAYS} days), and what is left open at its end: contacts by London clock hour, route, caller type and age band; handling time; outcomes; referrals; escalations; callbacks and the handover list; drafts left open; desks not synced and their offline periods; directory problems. No free text and nothing identifying about callers.
Files: format=csv|xlsx|pdf (or Accept: text/csv, ${EXPORT_MEDIA_TYPES.xlsx}, application/pdf) with audience=handover (exact counts, call references) or audience=reporting (counts of 1-4 as *, others rounded to 5; no call references). A file says how many desks had changes not yet on the server (also in the X-Crisis-Desk-Desks-Behind header) and exports what is known. See docs/exports.md.`,
          security: [{ bearer: [] }],
          querystring: Query,
          response: { 200: ShiftSummary, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 406: ErrorBody },
        },
      },
      async (request, reply) => {
        const p = request.principal!;
        const { teamId } = request.query;
        const format = formatOf(request, request.query.format);
        if (format !== 'json' && !request.query.audience) {
          throw new HttpError(400, 'invalid_params', 'audience: choose who the file is for: handover (within the team) or reporting (outside the team).');
        }
        const team = await checkMaySummarise(deps.db, p, teamId);
        const at = now();
        const input = await serverSummaryInput(deps.db, p.trustId, teamId, new Date(request.query.from), new Date(request.query.to), at);
        const summary = summariseShift(input);
        if (format === 'json') return summary;
        const audience = request.query.audience!;
        const body = new PassThrough();
        writeShiftExport(format, { summary, contacts: contactsOf(input.records, input.from, input.to), audience, team, generatedBy: p.displayName, appVersion, recordsAsOf: input.recordsAsOf }, body).catch((e: Error) => {
          request.log.error({ err: { type: e.name } }, 'shift summary export failed');
          body.destroy(e);
        });
        return reply
          .type(EXPORT_MEDIA_TYPES[format])
          .header('content-disposition', `attachment; filename="${exportFileName(teamId, summary.from, audience, format)}"`)
          .header('cache-control', 'no-store')
          .header('x-crisis-desk-desks-behind', String(summary.unsyncedDesks.length))
          // A stream is sent as it is: the JSON schema of the 200 answer (and its serializer) is for format=json.
          .send(body as unknown as ShiftSummary);
      },
    );

    app.get(
      '/v1/summaries/teams',
      {
        onRequest: authenticate(deps, 'team_lead', 'admin'),
        schema: {
          tags: ['summaries'],
          summary: 'The teams whose shift summaries the caller may see',
          description: 'A team lead: the team they lead. An admin: every team of their trust. By name.',
          security: [{ bearer: [] }],
          response: { 200: z.object({ teams: z.array(z.object({ id: z.string(), name: z.string() })) }), 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const p = request.principal!;
        if (p.roles.includes('admin')) return { teams: await teamsOf(deps.db, p.trustId) };
        const own = p.teamId ? await teamOf(deps.db, p.trustId, p.teamId) : null;
        return { teams: own ? [own] : [] };
      },
    );

    app.get(
      '/v1/summaries/team-context',
      {
        onRequest: authenticate(deps, 'team_lead', 'admin'),
        schema: {
          tags: ['summaries'],
          summary: 'What a team lead’s desk needs, besides the records, to make shift summaries offline',
          description: `The team's name and shift presets, its people's names, its desks' sync state, their offline periods over the last ${OFFLINE_HISTORY_DAYS} days, the directory problems its clinicians reported, and the time of the newest change to its records.`,
          security: [{ bearer: [] }],
          querystring: z.object({ teamId: TeamId }),
          response: { 200: TeamContext, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const p = request.principal!;
        const team = await checkMaySummarise(deps.db, p, request.query.teamId);
        const at = now();
        const since = new Date(at.getTime() - OFFLINE_HISTORY_DAYS * 86_400_000);
        const [presets, people, desks, offline, recordsAsOf, directoryProblems] = await Promise.all([
          teamShiftPresets(deps.db, team.id),
          teamPeople(deps.db, p.trustId, team.id),
          teamDesks(deps.db, p.trustId, team.id),
          teamOfflineStretches(deps.db, p.trustId, team.id, since, at),
          teamRecordsAsOf(deps.db, p.trustId, team.id),
          // A desk's clock may run ahead of the server's: a day beyond now covers it.
          teamDirectoryProblems(deps.db, p.trustId, team.id, since, new Date(at.getTime() + 86_400_000)),
        ]);
        return {
          teamId: team.id,
          teamName: team.name,
          viewer: { id: p.userId, name: p.displayName },
          presets: presets.presets,
          presetsConfigured: presets.configured,
          people,
          desks,
          offlinePeriods: mergeOfflineStretches(offline),
          directoryProblems,
          recordsAsOf,
          generatedAt: at.toISOString(),
        };
      },
    );

    app.put(
      '/v1/admin/teams/:teamId/shift-presets',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags: ['summaries'],
          summary: 'Set a team’s shifts (London wall-clock times)',
          description: 'Replaces the team’s shift presets, in the order given. An end at or before the start ends the next day; times are London clock times, right across the clock changes.',
          security: [{ bearer: [] }],
          params: z.object({ teamId: TeamId }),
          body: z.object({
            presets: z
              .array(ShiftPreset)
              .min(1)
              .max(8)
              .refine((list) => new Set(list.map((x) => x.id)).size === list.length, { message: 'each preset needs its own id' }),
          }),
          response: { 200: z.object({ presets: z.array(ShiftPreset) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        },
      },
      async (request) => {
        const p = request.principal!;
        if (!(await teamOf(deps.db, p.trustId, request.params.teamId))) throw new HttpError(404, 'not_found', 'teamId: there is no team with this id in your trust.');
        await deps.db.transaction((tx) => replaceTeamShiftPresets(tx, request.params.teamId, request.body.presets, p.userId));
        return { presets: (await teamShiftPresets(deps.db, request.params.teamId)).presets };
      },
    );
  };
}

export const summaryRoutes: RouteModule = createSummaryRoutes();
