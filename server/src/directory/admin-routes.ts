import { z } from 'zod';
import { authenticate, HttpError, type App, type ServerDeps } from '../app';
import { TaxonomyMapping } from '../import';
import { findImport, ImportReport, ImportRequest, runImport, type ImportContext } from './imports';
import { ErrorBody } from './sync-routes';
import { getTaxonomyMapping, putTaxonomyMapping } from './taxonomy-store';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** Uploaded feeds can be far larger than the API's usual body limit. */
export const IMPORT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

const StoredMapping = z.object({
  mapping: TaxonomyMapping,
  isDefault: z.boolean(),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
  updatedBy: z.string().nullable(),
});

/** Directory administration for the admin's own trust: imports and the taxonomy mapping. */
export function registerDirectoryAdminRoutes(app: App, deps: ServerDeps, context: ImportContext = {}): void {
  app.post(
    '/v1/admin/directory/imports',
    {
      onRequest: authenticate(deps, 'admin'),
      bodyLimit: Math.max(IMPORT_BODY_LIMIT_BYTES, deps.config.BODY_LIMIT_BYTES),
      schema: {
        tags: ['directory admin'],
        summary: 'Import an ORUK/HSDS feed into the trust’s directory and publish it',
        description:
          'kind url: read a live ORUK/HSDS JSON API; document: an uploaded JSON document; tabular: uploaded CSV tables (+ datapackage.json). Answers when the import is published, with every defect. Services missing from the feed are withdrawn only when the whole feed was read (and complete is not false).',
        security: [{ bearer: [] }],
        body: ImportRequest,
        response: { 201: ImportReport, ...errors, 413: ErrorBody },
      },
    },
    async (request, reply) => {
      const { trustId, userId } = request.principal!;
      const report = await runImport(deps, trustId, userId, request.body, context);
      return reply.code(201).header('location', `/v1/admin/directory/imports/${report.id}`).send(report);
    },
  );

  app.get(
    '/v1/admin/directory/imports/:id',
    {
      onRequest: authenticate(deps, 'admin'),
      schema: {
        tags: ['directory admin'],
        summary: 'The report of an import',
        security: [{ bearer: [] }],
        params: z.object({ id: z.uuid() }),
        response: { 200: ImportReport, ...errors, 404: ErrorBody },
      },
    },
    async (request) => {
      const report = await findImport(deps.db, request.principal!.trustId, request.params.id);
      if (!report) throw new HttpError(404, 'not_found', 'There is no import with this id in your trust.');
      return report;
    },
  );

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
