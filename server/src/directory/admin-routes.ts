import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticate, HttpError, type App, type ServerDeps } from '../app';
import { TaxonomyMapping } from '../import';
import { findJob, ImportBusy, listJobs, recordPage, withdrawalPage } from './import-jobs';
import { ImportJob, ImportList, ImportRecordPage, ImportRequest, SourceKey, WithdrawalPage } from './import-report';
import { decideImport, NotAwaitingDecision, RunningImports, type ImportContext, type ImportInput } from './imports';
import { ErrorBody } from './sync-routes';
import { getTaxonomyMapping, putTaxonomyMapping } from './taxonomy-store';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** Uploaded feeds in a JSON request body can be far larger than the API's usual body limit. */
export const IMPORT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

const StoredMapping = z.object({
  mapping: TaxonomyMapping,
  isDefault: z.boolean(),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
  updatedBy: z.string().nullable(),
});

const ImportId = z.object({ id: z.uuid() });
const notFound = () => new HttpError(404, 'not_found', 'There is no import with this id in your trust.');

/**
 * Directory administration for the admin's own trust: imports (started, watched, their per-record
 * report read, a held withdrawal confirmed or refused — from any API node, since all of it is in
 * PostgreSQL) and the taxonomy mapping.
 */
export function registerDirectoryAdminRoutes(app: App, deps: ServerDeps, context: ImportContext = {}): void {
  const running = new RunningImports();
  // A server that stops stops its imports too, and each records that it was interrupted.
  app.addHook('onClose', async () => running.close());

  const start = async (trustId: string, userId: string, input: ImportInput) => {
    try {
      return await running.start(deps, trustId, userId, input, context);
    } catch (e) {
      if (e instanceof ImportBusy) throw new HttpError(409, 'import_running', e.message);
      throw e;
    }
  };

  app.post(
    '/v1/admin/directory/imports',
    {
      onRequest: authenticate(deps, 'admin'),
      bodyLimit: Math.max(IMPORT_BODY_LIMIT_BYTES, deps.config.BODY_LIMIT_BYTES),
      schema: {
        tags: ['directory admin'],
        summary: 'Start an import of an ORUK/HSDS feed into the trust’s directory',
        description:
          'kind url: read a live ORUK/HSDS JSON API; document: an uploaded JSON document; tabular: uploaded CSV tables (+ datapackage.json). Answers 202 at once with the running import (watch it at its Location), or with wait=true 201 when it has ended. ' +
          'Services missing from the feed are withdrawn only when the whole feed was read and agreed with itself (and complete is not false); a withdrawal of more than IMPORT_WITHDRAWAL_CONFIRM_PERCENT of the trust’s services waits for confirmation.',
        security: [{ bearer: [] }],
        querystring: z.object({ wait: z.enum(['true', 'false']).optional() }),
        body: ImportRequest,
        response: { 201: ImportJob, 202: ImportJob, ...errors, 409: ErrorBody, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      const { trustId, userId } = request.principal!;
      const started = await start(trustId, userId, request.body);
      reply.header('location', `/v1/admin/directory/imports/${started.job.id}`);
      if (request.query.wait === 'true') return reply.code(201).send(await started.done);
      return reply.code(202).send(started.job);
    },
  );

  // A feed document uploaded as the request body itself, read as it arrives (never held whole).
  void app.register(async (scope: FastifyInstance) => {
    const upload = scope.withTypeProvider<ZodTypeProvider>();
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser(['application/json'], (_request, payload, done) => done(null, payload));
    upload.post(
      '/v1/admin/directory/imports/upload',
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags: ['directory admin'],
          summary: 'Import an ORUK/HSDS JSON document sent as the request body (application/json), streamed',
          description:
            'The body is read as it arrives, with the import’s size limit (IMPORT_MAX_BYTES) enforced while reading; answers 201 with the import once it has ended. The same rules as POST /v1/admin/directory/imports apply.',
          security: [{ bearer: [] }],
          querystring: z.object({ source: SourceKey, name: z.string().max(200).optional(), complete: z.enum(['true', 'false']).optional() }),
          response: { 201: ImportJob, ...errors, 409: ErrorBody, 415: ErrorBody },
        },
      },
      async (request, reply) => {
        const { trustId, userId } = request.principal!;
        const stream = request.body as AsyncIterable<Uint8Array> | undefined;
        if (!stream || typeof (stream as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
          throw new HttpError(400, 'invalid_params', 'body: send the feed document as the request body, with Content-Type: application/json.');
        }
        const { source, name, complete } = request.query;
        const started = await start(trustId, userId, { kind: 'upload', source, stream, ...(name ? { name } : {}), ...(complete === 'false' ? { complete: false } : {}) });
        const job = await started.done;
        return reply.code(201).header('location', `/v1/admin/directory/imports/${job.id}`).send(job);
      },
    );
  });

  app.get(
    '/v1/admin/directory/imports',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'The trust’s imports, newest first',
        security: [{ bearer: [] }],
        querystring: z.object({ source: SourceKey.optional(), before: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: ImportList, ...errors },
      },
    },
    async (request) => ({ imports: await listJobs(deps.db, request.principal!.trustId, request.query) }),
  );

  app.get(
    '/v1/admin/directory/imports/:id',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'An import: its state, progress while it runs, and its report',
        security: [{ bearer: [] }],
        params: ImportId,
        response: { 200: ImportJob, ...errors, 404: ErrorBody },
      },
    },
    async (request) => {
      const job = await findJob(deps.db, request.principal!.trustId, request.params.id);
      if (!job) throw notFound();
      return job;
    },
  );

  app.get(
    '/v1/admin/directory/imports/:id/records',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'The per-record report of an import, in feed order: every record read and what became of it',
        security: [{ bearer: [] }],
        params: ImportId,
        querystring: z.object({
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          outcome: z.enum(['imported', 'repaired', 'left_out', 'duplicate']).optional(),
        }),
        response: { 200: ImportRecordPage, ...errors, 404: ErrorBody },
      },
    },
    async (request) => {
      if (!(await findJob(deps.db, request.principal!.trustId, request.params.id))) throw notFound();
      const { after, limit, outcome } = request.query;
      return recordPage(deps.db, request.params.id, { after, limit, ...(outcome ? { outcome } : {}) });
    },
  );

  app.get(
    '/v1/admin/directory/imports/:id/withdrawals',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'The services an import withdrew, or would withdraw if confirmed',
        security: [{ bearer: [] }],
        params: ImportId,
        querystring: z.object({ after: z.string().max(200).default(''), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: WithdrawalPage, ...errors, 404: ErrorBody },
      },
    },
    async (request) => {
      if (!(await findJob(deps.db, request.principal!.trustId, request.params.id))) throw notFound();
      return withdrawalPage(deps.db, request.params.id, request.query);
    },
  );

  for (const [verb, action] of [['confirm', 'confirmed'], ['refuse', 'refused']] as const) {
    app.post(
      `/v1/admin/directory/imports/:id/${verb}`,
      {
        onRequest: authenticate(deps, 'admin'),
        schema: {
          tags: ['directory admin'],
          summary:
            verb === 'confirm'
              ? 'Confirm an import held for a large withdrawal: publish it with exactly the withdrawals it listed'
              : 'Refuse an import held for a large withdrawal: publish nothing of it',
          security: [{ bearer: [] }],
          params: ImportId,
          response: { 200: ImportJob, ...errors, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        const { trustId, userId } = request.principal!;
        try {
          const job = await decideImport(deps, trustId, userId, request.params.id, action);
          if (!job) throw notFound();
          return job;
        } catch (e) {
          if (e instanceof NotAwaitingDecision) throw new HttpError(409, 'not_awaiting_confirmation', e.message);
          throw e;
        }
      },
    );
  }

  app.get(
    '/v1/admin/taxonomy-mapping',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'How feed taxonomy terms map to crisis service types (the default until the trust sets its own)',
        security: [{ bearer: [] }],
        response: { 200: StoredMapping, ...errors },
      },
    },
    async (request) => getTaxonomyMapping(deps.db, request.principal!.trustId),
  );

  app.put(
    '/v1/admin/taxonomy-mapping',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'Replace the trust’s taxonomy mapping; used by the next import',
        security: [{ bearer: [] }],
        body: TaxonomyMapping,
        response: { 200: StoredMapping, ...errors },
      },
    },
    async (request) => putTaxonomyMapping(deps.db, request.principal!.trustId, request.body, request.principal!.userId),
  );
}
