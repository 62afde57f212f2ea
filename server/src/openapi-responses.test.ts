/*
 * The server's answers match its own OpenAPI document: real calls to every kind of route, each
 * answer checked with a JSON Schema validator against the schema /openapi.json gives for that
 * operation and status (errors included). A route that answered something other than it describes
 * would fail here even where the desk happens to cope.
 */
import { createHash, randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAllRoutesServer, type AllRoutesServer } from '../../test/support/all-routes-server';
import { finalisable } from '../../test/support/desk-harness';
import { at, makeService } from '../../test/support/services';
import { emptyCallRecordContent } from '../../shared/domain/call-record';
import { openPglite, type Db } from './db/db';
import { publishAndDistribute } from './directory/publisher';

type Schema = Record<string, unknown>;

describe('answers match /openapi.json', () => {
  let db: Db;
  let all: AllRoutesServer;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>; components?: { schemas?: Record<string, Schema> } };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  /** Calls the server and validates the answer against the document's schema for (path, method, status). */
  async function check(method: string, urlPath: string, templatePath: string, init: { body?: unknown; token?: string | null } = {}) {
    const headers: Record<string, string> = {};
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? all.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${all.server.url}${urlPath}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    const op = doc.paths[templatePath]?.[method.toLowerCase()];
    expect(op, `${method} ${templatePath} in the document`).toBeDefined();
    const described = op!.responses[String(res.status)];
    expect(described, `${method} ${templatePath} describes status ${res.status}`).toBeDefined();
    // The document lists a route's schemas under the content types it produces (JSON, NDJSON, or the snapshot's).
    const schema = Object.values(described!.content ?? {})[0]?.schema;
    expect(schema, `${method} ${templatePath} ${res.status} has a schema`).toBeDefined();
    if (schema) {
      const validate = ajv.compile({ ...schema, $defs: doc.components?.schemas });
      const bodies = res.headers.get('content-type')?.includes('ndjson') ? text.trim().split('\n').map((l) => JSON.parse(l)) : [JSON.parse(text)];
      for (const body of bodies) expect(validate(body) ? [] : validate.errors, `${method} ${urlPath} → ${res.status}`).toEqual([]);
    }
    return { status: res.status, body: text ? (res.headers.get('content-type')?.includes('json') && !res.headers.get('content-type')?.includes('ndjson') ? JSON.parse(text) : text) : null };
  }

  beforeAll(async () => {
    db = await openPglite();
    all = await startAllRoutesServer(db);
    doc = (await (await fetch(`${all.server.url}/openapi.json`)).json()) as typeof doc;
    // Refs in the document point at #/components/schemas/…; the validator resolves them under $defs.
    doc = JSON.parse(JSON.stringify(doc).replaceAll('#/components/schemas/', '#/$defs/')) as typeof doc;
    const services = [1, 2, 3].map((n) => makeService({ id: `svc-${n}`, name: `Service ${n}`, type: 'crisis_cafe', locations: at(`svc-${n}`, 51.46839, -0.08623) }));
    await publishAndDistribute(all.server.deps, 'demo-south', services, { source: 'openapi', complete: true });
  });

  afterAll(async () => {
    await all.close();
  });

  it('directory: manifest, changes, errors', async () => {
    const manifest = await check('GET', '/v1/directory/manifest', '/v1/directory/manifest');
    expect(manifest.status).toBe(200);
    expect((await check('GET', '/v1/directory/changes?limit=2', '/v1/directory/changes')).status).toBe(200);
    expect((await check('GET', '/v1/directory/changes?cursor=not-a-cursor', '/v1/directory/changes')).status).toBe(400);
    expect((await check('GET', '/v1/directory/manifest', '/v1/directory/manifest', { token: null })).status).toBe(401);
    expect((await check('GET', `/v1/directory/snapshots/${'0'.repeat(64)}`, '/v1/directory/snapshots/{sha256}')).status).toBe(404);
  });

  it('sync: push, pull, and a gap', async () => {
    const clientId = randomUUID();
    const recordId = randomUUID();
    const content = finalisable(emptyCallRecordContent(new Date().toISOString()));
    const contentHash = createHash('sha256').update(canonicalize(content)!).digest('hex');
    const mutations = [
      { seq: 1, mutationId: randomUUID(), recordId, baseRevision: null, deskTime: new Date().toISOString(), payload: { kind: 'upsert', content } },
      { seq: 2, mutationId: randomUUID(), recordId, baseRevision: null, deskTime: new Date().toISOString(), payload: { kind: 'finalise', content, contentHash, finalisedAt: new Date().toISOString() } },
    ];
    const push = await check('POST', '/v1/sync/push', '/v1/sync/push', { body: { clientId, mutations, pending: 0 } });
    expect(push.status).toBe(200);
    expect((push.body as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const gap = await check('POST', '/v1/sync/push', '/v1/sync/push', { body: { clientId, mutations: [{ ...mutations[0]!, seq: 9, mutationId: randomUUID() }] } });
    expect(gap.status).toBe(409);
    const pull = await check('GET', '/v1/sync/records', '/v1/sync/records');
    expect(pull.status).toBe(200);
    expect((pull.body as { records: { id: string }[] }).records.map((r) => r.id)).toContain(recordId);
    expect((await check('POST', '/v1/sync/push', '/v1/sync/push', { body: { clientId: 'nope', mutations: [] } })).status).toBe(400);
  });

  it('releases, the update feed and the fleet', async () => {
    expect((await check('GET', '/v1/admin/releases', '/v1/admin/releases')).status).toBe(200);
    expect((await check('GET', '/v1/admin/fleet?staleDays=3', '/v1/admin/fleet')).status).toBe(200);
    const missing = { version: '9.9.9', rollout: { stage: 'all' }, files: [{ platform: 'win32', arch: 'x64', kind: 'nsis', fileName: 'Crisis-Desk-9.9.9-x64-setup.exe', sha256: 'b'.repeat(64) }], manifest: { version: '9.9.9', publishable: true, artefacts: [{ file: 'Crisis-Desk-9.9.9-x64-setup.exe', sha256: 'b'.repeat(64) }] } };
    expect((await check('POST', '/v1/admin/releases', '/v1/admin/releases', { body: missing })).status).toBe(422);
    expect((await check('PATCH', '/v1/admin/releases/9.9.9', '/v1/admin/releases/{version}', { body: { rollout: { stage: 'all' } } })).status).toBe(404);
    expect((await check('GET', `/v1/updates/artefacts/${'0'.repeat(64)}/x.exe`, '/v1/updates/artefacts/{sha256}/{fileName}')).status).toBe(404);
    expect((await check('GET', '/v1/updates/latest.yml', '/v1/updates/{file}')).status).toBe(400);
  });

  it('summaries, admin and reference data', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    expect((await check('GET', `/v1/summaries/shift?teamId=demo-south-day&from=${from}&to=${to}`, '/v1/summaries/shift')).status).toBe(200);
    expect((await check('GET', '/v1/summaries/teams', '/v1/summaries/teams')).status).toBe(200);
    expect((await check('GET', '/v1/admin/taxonomy-mapping', '/v1/admin/taxonomy-mapping')).status).toBe(200);
    expect((await check('GET', '/v1/reference/bank-holidays', '/v1/reference/bank-holidays', { token: null })).status).toBe(200);
    expect((await check('GET', `/v1/admin/directory/imports/${randomUUID()}`, '/v1/admin/directory/imports/{id}')).status).toBe(404);
  });

  it('directory imports: started, listed, their report and withdrawals, a decision that is not due', async () => {
    const record = { id: 'oa', name: 'Crisis café OA', status: 'active', phones: [{ number: '020 7946 0000' }] };
    const started = await check('POST', '/v1/admin/directory/imports?wait=true', '/v1/admin/directory/imports', { body: { kind: 'document', source: 'openapi-doc', document: [record, record] } });
    expect(started.status).toBe(201);
    const id = (started.body as { id: string }).id;
    expect((await check('POST', '/v1/admin/directory/imports', '/v1/admin/directory/imports', { body: { kind: 'document', source: 'openapi-doc2', document: [record] } })).status).toBe(202);
    expect((await check('GET', '/v1/admin/directory/imports', '/v1/admin/directory/imports')).status).toBe(200);
    const records = await check('GET', `/v1/admin/directory/imports/${id}/records`, '/v1/admin/directory/imports/{id}/records');
    expect((records.body as { records: { outcome: string }[] }).records.map((r) => r.outcome)).toEqual(['repaired', 'duplicate']);
    expect((await check('GET', `/v1/admin/directory/imports/${id}/withdrawals`, '/v1/admin/directory/imports/{id}/withdrawals')).status).toBe(200);
    expect((await check('POST', `/v1/admin/directory/imports/${id}/confirm`, '/v1/admin/directory/imports/{id}/confirm')).status).toBe(409);
    expect((await check('POST', `/v1/admin/directory/imports/${randomUUID()}/refuse`, '/v1/admin/directory/imports/{id}/refuse')).status).toBe(404);
    const res = await fetch(`${all.server.url}/v1/admin/directory/imports/upload?source=openapi-upload`, { method: 'POST', headers: { authorization: `Bearer ${all.token}`, 'content-type': 'application/json' }, body: JSON.stringify([record]) });
    expect(res.status).toBe(201);
  });
});
