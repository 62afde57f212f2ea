import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { builtInIssuer } from '../../server/src/auth/issuer';
import { keyEncryptionKeys } from '../../server/src/auth/key-encryption';
import { loadSigningKeys } from '../../server/src/auth/signing-keys';
import { signAccessToken } from '../../server/src/auth/tokens';
import { loadConfig } from '../../server/src/config';
import type { Db } from '../../server/src/db/db';
import { startServer, type RunningServer } from '../../server/src/runtime/start-server';
import { freePort } from './free-port';
import type { JsonSchema } from './schema-arbitrary';

/** One operation of the server's OpenAPI document. */
export interface Operation {
  method: string;
  /** As in the document: `/v1/things/{id}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Every parameter with its schema. */
  parameters: { in: string; name: string; schema: JsonSchema }[];
  /** Content types of the request body, when it has one. */
  bodyTypes: string[];
  /** The schema of a JSON body. */
  bodySchema: JsonSchema | null;
  /** `GET /oidc/jwks` */
  name: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema?: JsonSchema }[]; requestBody?: { content: Record<string, { schema?: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [p, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      ops.push({
        method: method.toUpperCase(),
        path: p,
        pathParams: params.filter((x) => x.in === 'path').map((x) => x.name),
        queryParams: params.filter((x) => x.in === 'query').map((x) => x.name),
        parameters: params.map((x) => ({ in: x.in, name: x.name, schema: x.schema ?? {} })),
        bodyTypes: Object.keys(content),
        bodySchema: content['application/json']?.schema ?? null,
        name: `${method.toUpperCase()} ${p}`,
      });
    }
  }
  return ops;
}

/** The path with each parameter replaced by the (raw, already encoded) value given for it. */
export function fillPath(op: Operation, value: (name: string) => string): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => value(name));
}

export interface AllRoutesServer {
  server: RunningServer;
  operations: Operation[];
  /** The document's shared schemas, for $ref. */
  components: Record<string, JsonSchema>;
  /** An access token of a user with every role, in a demo trust and team. */
  token: string;
  /** An access token for anyone, signed with the server's own key (the user must exist). */
  tokenFor(p: { userId: string; trustId: string; teamId: string | null; roles: ('clinician' | 'team_lead' | 'admin')[]; displayName: string }): Promise<string>;
  bodyLimit: number;
  close(): Promise<void>;
}

/**
 * The whole server as `npm run server` builds it (every module of routes.ts, the built-in identity
 * provider, demo users) on the given database, listening on 127.0.0.1.
 */
export async function startAllRoutesServer(db: Db, options: { bodyLimit?: number } = {}): Promise<AllRoutesServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-routes-'));
  const bodyLimit = options.bodyLimit ?? 4 * 1024 * 1024;
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DEMO: '1',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    BODY_LIMIT_BYTES: String(bodyLimit),
  });
  const server = await startServer(config, { log: pino({ level: 'silent' }), db, graceMs: 2_000 });
  await db.query(
    "INSERT INTO app_user (id, trust_id, team_id, display_name, roles) VALUES ('route-tester', 'demo-south', 'demo-south-day', 'Route tester', ARRAY['clinician', 'team_lead', 'admin']) ON CONFLICT DO NOTHING",
  );
  const keys = await loadSigningKeys(db, keyEncryptionKeys(config));
  const tokenFor: AllRoutesServer['tokenFor'] = (p) => signAccessToken(keys.active, p, { issuer: builtInIssuer(config), audience: config.OIDC_AUDIENCE, ttlSeconds: 3600, clientId: 'crisis-desk' });
  const token = await tokenFor({ userId: 'route-tester', trustId: 'demo-south', teamId: 'demo-south-day', roles: ['clinician', 'team_lead', 'admin'], displayName: 'Route tester' });
  const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
  return {
    server,
    operations: operationsOf(doc),
    components: doc.components?.schemas ?? {},
    token,
    tokenFor,
    bodyLimit,
    close: async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  status: number;
  contentType: string;
  /** The body, read only for error answers (a success may be an endless event stream). */
  body: string | null;
}

/**
 * One HTTP request with full control of the bytes (no URL normalisation, any method with a body).
 * Resolves with the answer even when the server closes the connection while the body is sent.
 */
export function rawRequest(base: string, req: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }, timeoutMs = 10_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: hostname, port, method: req.method, path: req.path, headers: req.headers, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      const contentType = String(res.headers['content-type'] ?? '');
      if (status < 400) {
        res.destroy();
        resolve({ status, contentType, body: null });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status, contentType, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`${req.method} ${req.path}: no answer in ${timeoutMs} ms`)));
    // The server may answer (413) and close before reading everything sent: the answer is what counts.
    r.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? setTimeout(() => reject(e), 1000) : reject(e)));
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}
