import { z } from 'zod';
import {
  CorrectionList, CorrectionStatusFilter, CorrectionView, NewCorrection, ReportPage, ReportStatusFilter, ReportView, ResolveReport, ServiceDetail, ServiceList, VersionChangePage, VersionList,
} from '../../../../shared/directory/quality-api';
import { londonDateOf } from '../../../../shared/lib/calendar';
import { authenticate, HttpError, type App, type RouteModule, type ServerDeps } from '../../app';
import type { Queryable } from '../../db/db';
import { ErrorBody } from '../../sync/sync-routes';
import { publishOverlays, trustsNeedingOverlays } from './publish-overlays';
import {
  addCorrection, getCorrection, getReport, listCorrections, listReports, listVersions, QualityError, removeCorrection, resolveReport, searchServices, serviceDetail, versionChanges,
} from './quality-store';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const tags = ['directory quality'];
const security = [{ bearer: [] }];
const Id = z.object({ id: z.uuid() });
const ServiceId = z.string().min(1).max(200).regex(/^[^\u0000]*$/, 'must not contain NUL');

/** How often the server publishes what is pending anywhere (a correction past its last day lapses). */
export const OVERLAY_SWEEP_MS = 10 * 60_000;

function asHttp(e: unknown): never {
  if (e instanceof QualityError) throw new HttpError(e.status, e.code, e.message);
  throw e;
}

/**
 * The directory leads' side of the quality loop, for the admin's own trust (admin role): the queue
 * of clinicians' reports and their resolution (fixed in the feed, corrected locally, dismissed:
 * who and when), local corrections made and removed, the published services, and the published
 * versions with what each changed. Every change is published to the trust's desks before the
 * answer goes back.
 */
export function createQualityRoutes(options: { sweepMs?: number } = {}): RouteModule {
  return (app: App, deps: ServerDeps) => {
    const publish = async (trustId: string) => {
      // The change itself is committed; should publishing fail, the next publish (or the sweep) carries it.
      await publishOverlays(deps, trustId).catch((e: Error) => app.log.warn({ err: { type: e.name } }, 'could not publish the trust’s reports and corrections; they stay pending'));
    };
    const write = async <T>(trustId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> => {
      const result = await deps.db.transaction(fn).catch(asHttp);
      await publish(trustId);
      return result;
    };

    // Corrections lapse after their last day, and a publish that failed is retried, on every node.
    const sweepMs = options.sweepMs ?? OVERLAY_SWEEP_MS;
    const timer = setInterval(() => {
      void trustsNeedingOverlays(deps.db, londonDateOf(new Date()))
        .then(async (trusts) => {
          for (const t of trusts) await publishOverlays(deps, t);
        })
        .catch(() => {});
    }, sweepMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));

    app.get(
      '/v1/admin/directory/reports',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'The trust’s queue of reported directory problems, newest first',
          querystring: z.object({
            status: ReportStatusFilter.default('open'),
            serviceId: ServiceId.optional(),
            before: z.string().max(200).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
          response: { 200: ReportPage, ...errors },
        },
      },
      async (request) => listReports(deps.db, request.principal!.trustId, request.query).catch(asHttp),
    );

    app.get(
      '/v1/admin/directory/reports/:id',
      { onRequest: authenticate(deps, 'admin'), schema: { tags, security, summary: 'One reported problem', params: Id, response: { 200: ReportView, ...errors } } },
      async (request) => {
        const r = await getReport(deps.db, request.principal!.trustId, request.params.id);
        if (!r) throw new HttpError(404, 'not_found', 'There is no report with this id in your trust.');
        return r;
      },
    );

    app.post(
      '/v1/admin/directory/reports/:id/resolve',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'Resolve a report: fixed in the feed, corrected locally (with a correction), or dismissed',
          description: 'Records who resolved it and when. The report leaves every desk of the trust at their next catch-up; a correction made with it is published at the same time. 409 when it is already resolved.',
          params: Id,
          body: ResolveReport,
          response: { 200: ReportView, ...errors, 409: ErrorBody },
        },
      },
      async (request) => {
        const { trustId, userId } = request.principal!;
        await write(trustId, (tx) => resolveReport(tx, trustId, userId, request.params.id, request.body));
        return (await getReport(deps.db, trustId, request.params.id))!;
      },
    );

    app.get(
      '/v1/admin/directory/corrections',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'The trust’s local corrections (active first)',
          querystring: z.object({ status: CorrectionStatusFilter.default('active'), serviceId: ServiceId.optional(), limit: z.coerce.number().int().min(1).max(500).default(200) }),
          response: { 200: CorrectionList, ...errors },
        },
      },
      async (request) => ({ corrections: await listCorrections(deps.db, request.principal!.trustId, request.query) }),
    );

    app.post(
      '/v1/admin/directory/corrections',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'Correct a service locally: a temporary closure, a number marked not working, a dated change of hours, or an alert',
          description: 'Published to every desk of the trust as a directory change, and kept on top of every later import of the feed until removed (closures and dated hours lapse after their last day). Reports named in reportIds are resolved as corrected locally.',
          body: NewCorrection,
          response: { 201: CorrectionView, ...errors, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        const { trustId, userId } = request.principal!;
        const id = await write(trustId, (tx) => addCorrection(tx, trustId, userId, request.body));
        return reply.code(201).send((await getCorrection(deps.db, trustId, id))!);
      },
    );

    app.post(
      '/v1/admin/directory/corrections/:id/remove',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'Remove a local correction: the service is published as its feed gives it again',
          params: Id,
          response: { 200: CorrectionView, ...errors, 409: ErrorBody },
        },
      },
      async (request) => {
        const { trustId, userId } = request.principal!;
        await write(trustId, (tx) => removeCorrection(tx, trustId, userId, request.params.id));
        return (await getCorrection(deps.db, trustId, request.params.id))!;
      },
    );

    app.get(
      '/v1/admin/directory/services',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'The trust’s published services, found by name, organisation or id',
          querystring: z.object({ q: z.string().max(200).regex(/^[^\u0000]*$/, 'must not contain NUL').optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }),
          response: { 200: ServiceList, ...errors },
        },
      },
      async (request) => ({ services: (await searchServices(deps.db, request.principal!.trustId, { text: request.query.q, limit: request.query.limit })) as z.infer<typeof ServiceList>['services'] }),
    );

    app.get(
      '/v1/admin/directory/services/:serviceId',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'A published service as desks have it, and as its feed gave it',
          params: z.object({ serviceId: ServiceId }),
          response: { 200: ServiceDetail, ...errors },
        },
      },
      async (request) => {
        const s = await serviceDetail(deps.db, request.principal!.trustId, request.params.serviceId);
        if (!s) throw new HttpError(404, 'not_found', 'There is no published service with this id in your trust’s directory.');
        return s;
      },
    );

    app.get(
      '/v1/admin/directory/versions',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'The published versions of the trust’s directory, newest first, with what made each',
          querystring: z.object({ before: z.coerce.number().int().min(1).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: VersionList, ...errors },
        },
      },
      async (request) => listVersions(deps.db, request.principal!.trustId, request.query),
    );

    app.get(
      '/v1/admin/directory/versions/:version/changes',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags, security,
          summary: 'The services a published version added, changed or withdrew',
          params: z.object({ version: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
          querystring: z.object({ after: z.string().max(200).default(''), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
          response: { 200: VersionChangePage, ...errors },
        },
      },
      async (request) => {
        const page = await versionChanges(deps.db, request.principal!.trustId, request.params.version, request.query);
        if (!page) throw new HttpError(404, 'not_found', 'There is no such published version of your trust’s directory.');
        return page;
      },
    );
  };
}

export const qualityRoutes: RouteModule = createQualityRoutes();
