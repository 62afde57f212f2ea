import { Readable } from 'node:stream';
import { z } from 'zod';
import { DIRECTORY_SCHEMA_VERSION } from '../../../shared/directory/schema';
import { DirectoryChangeLine, DirectoryManifest } from '../../../shared/sync/protocol';
import { authenticate, HttpError, type App, type ServerDeps } from '../app';
import { sendArtefact } from '../artefacts/serve';
import { checkProtocolVersion } from '../sync/sync-routes';
import { sendRaw } from './http-caching';
import { changesAfter, DEFAULT_CHANGES_LIMIT, MAX_CHANGES_LIMIT } from './changes-feed';
import { sendDecodedSnapshot } from './decoded-snapshot';
import { ENCODED_SNAPSHOT_CONTENT_TYPE, findSnapshot, latestSnapshot, SNAPSHOT_CONTENT_TYPE, snapshotCursor } from './snapshots';

export const ErrorBody = z.object({ error: z.string(), message: z.string() });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 426: ErrorBody };

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');

/** GET /v1/directory/manifest, /snapshots/{sha256} and /changes: the directory, server → desk (DESIGN.md §5). */
export function registerDirectorySyncRoutes(app: App, deps: ServerDeps): void {
  app.get(
    '/v1/directory/manifest',
    {
      onRequest: [authenticate(deps), checkProtocolVersion],
      schema: {
        tags: ['directory'],
        summary: 'The newest directory snapshot of the caller’s trust',
        description: 'Download the snapshot at url (check its sha256), then continue the changes feed from cursor. 404 while the trust has published nothing.',
        security: [{ bearer: [] }],
        response: { 200: DirectoryManifest, ...errors },
      },
    },
    async (request, reply) => {
      const { trustId } = request.principal!;
      const snapshot = await latestSnapshot(deps.db, trustId);
      if (!snapshot) throw new HttpError(404, 'not_published', 'Your trust has not published a directory yet: an administrator imports one first (POST /v1/admin/directory/imports).');
      reply.header('cache-control', 'no-cache');
      const { installed } = snapshot;
      return {
        snapshotId: `${snapshot.version}-${installed.sha256.slice(0, 16)}`,
        version: snapshot.version,
        cursor: await snapshotCursor(deps.db, trustId, snapshot.version),
        schemaVersion: DIRECTORY_SCHEMA_VERSION,
        sha256: installed.sha256,
        bytes: installed.bytes,
        url: `/v1/directory/snapshots/${installed.sha256}`,
        publishedAt: snapshot.publishedAt,
        services: snapshot.services,
        ...(snapshot.encoding && {
          compressed: { encoding: snapshot.encoding, sha256: snapshot.sha256, bytes: snapshot.bytes, url: `/v1/directory/snapshots/${snapshot.sha256}` },
        }),
      };
    },
  );

  app.get(
    '/v1/directory/snapshots/:sha256',
    {
      onRequest: [authenticate(deps), checkProtocolVersion],
      schema: {
        tags: ['directory'],
        summary: 'A directory snapshot: an indexed SQLite file in the desk’s schema, immutable; or the same compressed (zstd)',
        description: 'The manifest’s url names the SQLite file, its compressed.url the zstd-compressed copy (what is stored; a fifth of the bytes). Only the caller’s trust’s snapshots. Supports Range and If-Range (resume a dropped download, 206, on any API node) and If-None-Match (304); the ETag is the sha256.',
        security: [{ bearer: [] }],
        params: z.object({ sha256: Sha256 }),
        produces: ['application/vnd.sqlite3', 'application/zstd'],
        response: { ...errors, 416: ErrorBody },
      },
    },
    async (request, reply) => {
      const found = await findSnapshot(deps.db, request.principal!.trustId, request.params.sha256);
      if (!found) throw new HttpError(404, 'not_found', 'There is no such snapshot for your trust (it may have been replaced): fetch the manifest again.');
      const fileName = `directory-${found.snapshot.version}.db`;
      const options = { db: deps.db, dataDir: deps.config.DATA_DIR };
      if (found.decoded) return sendDecodedSnapshot(request, reply, found, { ...options, fileName, contentType: SNAPSHOT_CONTENT_TYPE });
      // From this node's cache when it has the file, otherwise from PostgreSQL: the same bytes from any node.
      return sendArtefact(request, reply, found.artefact, {
        ...options,
        fileName: found.snapshot.encoding ? `${fileName}.zst` : fileName,
        contentType: found.snapshot.encoding ? ENCODED_SNAPSHOT_CONTENT_TYPE : SNAPSHOT_CONTENT_TYPE,
      });
    },
  );

  app.get(
    '/v1/directory/changes',
    {
      onRequest: [authenticate(deps), checkProtocolVersion],
      schema: {
        tags: ['directory'],
        summary: 'Directory changes after a cursor (NDJSON)',
        description:
          'application/x-ndjson: put and del lines in (version, id) order, at most limit of them, then an end line with the next cursor and more. No cursor starts from the beginning. 410 when the cursor cannot be continued (deletions older than it were purged, or it belongs to another directory): download the snapshot again.',
        security: [{ bearer: [] }],
        querystring: z.object({
          cursor: z.string().max(2000).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_CHANGES_LIMIT).default(DEFAULT_CHANGES_LIMIT),
        }),
        produces: ['application/x-ndjson'],
        response: { 200: DirectoryChangeLine.describe('One of these per line'), ...errors, 410: ErrorBody },
      },
    },
    async (request, reply) => {
      const lines = await changesAfter(deps.db, request.principal!.trustId, request.query.cursor, request.query.limit);
      reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store');
      return sendRaw(reply, Readable.from(lines, { objectMode: false }));
    },
  );
}
