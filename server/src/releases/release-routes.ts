import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeskReport, FEED_FILES, Ring, UPDATE_HEADERS, UPDATE_KIND, UpdateInfo, Version } from '../../../shared/updates/protocol';
import { authenticate, HttpError, type App, type RouteModule, type ServerDeps } from '../app';
import { ArtefactError, findArtefact, purgeAbandonedUploads, putArtefact } from '../artefacts/store';
import { sendArtefact } from '../artefacts/serve';
import { ErrorBody } from '../sync/sync-routes';
import { createRelease, CreateRelease, findReleaseFile, fleet, Fleet, listReleases, recordDeskReport, ReleaseView, Rollout, setRollout } from './release-store';
import { offeredRelease } from './rings';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');
const PURGE_EVERY_MS = 3600_000;
const StoredArtefact = z.object({ sha256: Sha256, bytes: z.number().int(), sha512: z.string(), created: z.boolean() });

/**
 * Desktop releases under IT's control: admins upload installers into the artefact store
 * and publish a release with a rollout; desks read the update feed for their ring and download
 * from it; each desk reports what it runs, and admins see the fleet.
 */
export const releaseRoutes: RouteModule = (app: App, deps: ServerDeps) => {
  // Uploads that never finished (a node died mid-upload) leave chunks no artefact names: purged hourly.
  const purge = setInterval(() => void purgeAbandonedUploads(deps.db).catch(() => {}), PURGE_EVERY_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));

  // Installers arrive as raw bytes, streamed into the store (never held whole in memory).
  app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_request: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().put(
      '/v1/admin/artefacts/:sha256',
      {
        onRequest: authenticate(deps, 'admin'),
        bodyLimit: deps.config.ARTEFACT_MAX_BYTES,
        schema: {
          tags: ['releases'],
          summary: 'Upload an installer (or any release file) by its sha256',
          description:
            'The body is the file (application/octet-stream). It is stored in PostgreSQL only when its bytes hash to the sha256 in the path; the same bytes uploaded again are kept once (200). Then name it in POST /v1/admin/releases.',
          security: [{ bearer: [] }],
          params: z.object({ sha256: Sha256 }),
          consumes: ['application/octet-stream'],
          response: { 200: StoredArtefact, 201: StoredArtefact, ...errors, 413: ErrorBody, 415: ErrorBody },
        },
      },
      async (request, reply) => {
        const body = request.body as AsyncIterable<Buffer> | undefined;
        if (!body || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
          throw new HttpError(415, 'unsupported_media_type', 'Send the file as the body with Content-Type: application/octet-stream.');
        }
        try {
          const { artefact, created } = await putArtefact(deps.db, body, { contentType: 'application/octet-stream', expectedSha256: request.params.sha256, maxBytes: deps.config.ARTEFACT_MAX_BYTES });
          return reply.code(created ? 201 : 200).send({ sha256: artefact.sha256, bytes: artefact.bytes, sha512: artefact.sha512, created });
        } catch (e) {
          if (e instanceof ArtefactError) throw new HttpError(e.code === 'too_large' ? 413 : 400, e.code, e.message);
          throw e;
        }
      },
    );
  });

  app.get(
    '/v1/admin/releases',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: { tags: ['releases'], summary: 'Your trust’s desktop releases, newest first, with their rollout', security: [{ bearer: [] }], response: { 200: z.object({ releases: z.array(ReleaseView) }), ...errors } },
    },
    async (request) => ({ releases: await listReleases(deps.db, request.principal!.trustId) }),
  );

  app.post(
    '/v1/admin/releases',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['releases'],
        summary: 'Publish a desktop release to your trust’s desks',
        description:
          'Names the uploaded files (PUT /v1/admin/artefacts/{sha256}) and carries the build’s release.json; a build marked not publishable (stand-in runtime, unsigned) is refused. rollout: pilot (the pilot ring only), percentage (with percentage), all, or withdrawn. A version is published once and never changes.',
        security: [{ bearer: [] }],
        body: CreateRelease,
        response: { 201: ReleaseView, ...errors, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { trustId, userId } = request.principal!;
      const release = await createRelease(deps.db, trustId, userId, request.body);
      return reply.code(201).header('location', `/v1/admin/releases/${release.version}`).send(release);
    },
  );

  app.patch(
    '/v1/admin/releases/:version',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['releases'],
        summary: 'Move a release’s rollout: pilot → percentage → all, or withdraw it',
        security: [{ bearer: [] }],
        params: z.object({ version: Version }),
        body: z.object({ rollout: Rollout }),
        response: { 200: ReleaseView, ...errors, 404: ErrorBody },
      },
    },
    async (request) => setRollout(deps.db, request.principal!.trustId, request.params.version, request.body.rollout),
  );

  app.get(
    '/v1/admin/fleet',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['releases'],
        summary: 'Your trust’s desks: version, policy, last sync; by version, behind their ring, not synced for staleDays',
        security: [{ bearer: [] }],
        querystring: z.object({ staleDays: z.coerce.number().int().min(1).max(365).default(7) }),
        response: { 200: Fleet, ...errors },
      },
    },
    async (request) => fleet(deps.db, request.principal!.trustId, request.query.staleDays),
  );

  app.post(
    '/v1/fleet/reports',
    {
      onRequest: authenticate(deps),
      schema: {
        tags: ['releases'],
        summary: 'A desk says what it runs (version, ring, update mode, policy hash, last sync)',
        security: [{ bearer: [] }],
        body: DeskReport,
        response: { 204: z.null().describe('Recorded'), ...errors },
      },
    },
    async (request, reply) => {
      await recordDeskReport(deps.db, request.principal!.trustId, request.principal!.userId, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/updates/:file',
    {
      onRequest: authenticate(deps),
      schema: {
        tags: ['updates'],
        summary: 'The update feed for this desk (electron-updater, generic provider)',
        description:
          'latest.yml (Windows), latest-linux.yml or latest-mac.yml: the newest release this desk’s ring and pin allow, as electron-updater reads it (JSON is YAML). 404 no_update when none is offered. The desk names itself in the x-crisis-desk-id, x-crisis-desk-ring and x-crisis-desk-pin headers.',
        security: [{ bearer: [] }],
        params: z.object({ file: z.enum([FEED_FILES.win32, FEED_FILES.linux, FEED_FILES.darwin]) }),
        headers: z.object({
          [UPDATE_HEADERS.deskId]: z.uuid(),
          [UPDATE_HEADERS.ring]: Ring.default('general'),
          [UPDATE_HEADERS.pinVersion]: Version.optional(),
        }),
        response: { 200: UpdateInfo, ...errors, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const platform = (Object.keys(FEED_FILES) as (keyof typeof FEED_FILES)[]).find((p) => FEED_FILES[p] === request.params.file)!;
      const kind = UPDATE_KIND[platform];
      const { trustId } = request.principal!;
      const headers = request.headers as Record<string, string | undefined>;
      const releases = (await listReleases(deps.db, trustId))
        .map((r) => ({ ...r, stage: r.rollout.stage, percentage: r.rollout.percentage, file: r.files.find((f) => f.platform === platform && f.kind === kind) }))
        .filter((r) => r.file);
      const offered = offeredRelease(trustId, releases, { deskId: headers[UPDATE_HEADERS.deskId]!, ring: (headers[UPDATE_HEADERS.ring] as 'pilot' | 'general') ?? 'general', pinVersion: headers[UPDATE_HEADERS.pinVersion] ?? null });
      if (!offered?.file) throw new HttpError(404, 'no_update', 'No release is offered to this desk now.');
      const url = `artefacts/${offered.file.sha256}/${offered.file.fileName}`;
      reply.header('cache-control', 'no-store');
      return {
        version: offered.version,
        files: [{ url, sha512: offered.file.sha512, size: offered.file.bytes }],
        path: url,
        sha512: offered.file.sha512,
        releaseDate: offered.createdAt,
        releaseNotes: offered.notes,
      };
    },
  );

  app.get(
    '/v1/updates/artefacts/:sha256/:fileName',
    {
      onRequest: authenticate(deps),
      schema: {
        tags: ['updates'],
        summary: 'A released installer (Range, ETag: its sha256, immutable)',
        description: 'Only files of your trust’s releases that are not withdrawn. Resumes with Range from any API node.',
        security: [{ bearer: [] }],
        params: z.object({ sha256: Sha256, fileName: z.string().max(200) }),
        produces: ['application/octet-stream'],
        response: { ...errors, 404: ErrorBody, 416: ErrorBody },
      },
    },
    async (request, reply) => {
      const { sha256, fileName } = request.params;
      const notFound = () => new HttpError(404, 'not_found', 'There is no such release file for your trust: check for updates again.');
      if (!(await findReleaseFile(deps.db, request.principal!.trustId, sha256, fileName))) throw notFound();
      const artefact = await findArtefact(deps.db, sha256);
      if (!artefact) throw notFound();
      return sendArtefact(request, reply, artefact, { db: deps.db, dataDir: deps.config.DATA_DIR, fileName });
    },
  );
};
