import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, rawRequest, startAllRoutesServer, type AllRoutesServer, type Operation, type RawAnswer } from '../../test/support/all-routes-server';
import { BOTH_DATABASES } from '../../test/support/both-databases';
import { nastyString, schemaArbitrary, type JsonSchema } from '../../test/support/schema-arbitrary';

/*
 * Robustness of every operation in /openapi.json (so routes added later are covered): malformed and
 * oversized bodies, wrong content types, bad query strings and bad path parameters, sent with a
 * valid token of a user holding every role. No answer may be a 5xx; every error is a 4xx with a JSON
 * {error, message} body; and the server still answers /health afterwards.
 * Reproduce a failure with FC_SEED=<the printed seed>.
 */

const BODY_LIMIT = 16 * 1024;
const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const numRuns = Number(process.env.FC_RUNS ?? 400);

/** Percent-encodes the UTF-8 bytes of s except the ASCII characters kept (lone surrogates become U+FFFD). */
const percentEncode = (s: string, keep: (c: string) => boolean) =>
  [...Buffer.from(s, 'utf8')].map((b) => (b < 0x80 && keep(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const unreserved = (c: string) => /[A-Za-z0-9\-._~]/.test(c);
/** Raw: printable ASCII goes in as it is (so broken escapes like %E0%A4%A reach the server), bar the URL's own delimiters. */
const printable = (c: string) => /[\x21-\x7e]/.test(c) && !'/?#'.includes(c);

/** A value as it goes into a URL: usually encoded, sometimes raw. */
const urlPart = fc.tuple(nastyString, fc.boolean()).map(([s, raw]) => percentEncode(s, raw ? printable : unreserved));

type Attack =
  | { kind: 'malformed-json'; body: string }
  | { kind: 'json-shape'; body: string }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'content-type'; contentType: string; body: string }
  | { kind: 'query'; query: [string, string][] }
  | { kind: 'path'; value: string }
  /** Shaped by the operation's schemas, with hostile values here and there: gets past the parser. */
  | { kind: 'near-valid'; body: string | null; params: Record<string, string> };

const genericAttack: fc.Arbitrary<Attack> = fc.oneof(
  fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '{"a":', '[1,', '{"a":1}}', '\u0000', 'nul', '{"__proto__":{"x":1}}', `${'['.repeat(5000)}`)).map((body) => ({ kind: 'malformed-json' as const, body })),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'json-shape' as const, body: JSON.stringify(v) ?? 'null' })),
  fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 4 }).map((bytes) => ({ kind: 'oversized' as const, bytes })),
  fc
    .record({
      contentType: fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'text/event-stream', 'image/png', '*/*', 'application/json;;;'),
      body: fc.string({ maxLength: 200 }),
    })
    .map((r) => ({ kind: 'content-type' as const, ...r })),
  fc.array(fc.tuple(urlPart, urlPart), { maxLength: 6 }).map((query) => ({ kind: 'query' as const, query })),
  urlPart.map((value) => ({ kind: 'path' as const, value })),
);

/** A parameter value as text; arrays become the first element, objects their JSON. */
const asParam = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

function nearValid(op: Operation, components: Record<string, JsonSchema>): fc.Arbitrary<Attack> {
  const params = fc.record(Object.fromEntries(op.parameters.map((p) => [p.name, schemaArbitrary(p.schema, components).map(asParam)])), { requiredKeys: op.parameters.filter((p) => p.in === 'path').map((p) => p.name) });
  const body = op.bodySchema ? schemaArbitrary(op.bodySchema, components).map((v) => JSON.stringify(v) ?? 'null') : fc.constant(null);
  return fc.record({ body, params }).map((r) => ({ kind: 'near-valid' as const, ...r }));
}

const attackOn = (op: Operation, components: Record<string, JsonSchema>) => fc.oneof(genericAttack, nearValid(op, components));

function requestFor(op: Operation, a: Attack, token: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const param = (name: string) => (a.kind === 'path' ? a.value : a.kind === 'near-valid' ? percentEncode(a.params[name] ?? '', unreserved) : '0190a000-0000-7000-8000-000000000001');
  let path = fillPath(op, param);
  const queryNames = op.queryParams.length > 0 ? op.queryParams : ['q'];
  if (a.kind === 'near-valid') {
    const query = op.queryParams.filter((n) => a.params[n] !== undefined).map((n) => `${encodeURIComponent(n)}=${percentEncode(a.params[n]!, unreserved)}`);
    if (query.length > 0) path += `?${query.join('&')}`;
  }
  if (a.kind === 'query') path += `?${a.query.map(([k, v], i) => `${i % 2 === 0 ? encodeURIComponent(queryNames[i % queryNames.length]!) : k}=${v}`).join('&')}`;
  let body: string | Buffer | undefined;
  if (a.kind === 'near-valid' && a.body !== null) {
    headers['content-type'] = 'application/json';
    body = a.body;
  } else if (a.kind === 'malformed-json' || a.kind === 'json-shape') {
    headers['content-type'] = 'application/json';
    body = a.body;
  } else if (a.kind === 'oversized') {
    headers['content-type'] = 'application/json';
    body = Buffer.from(`{"pad":"${'x'.repeat(a.bytes)}"}`);
  } else if (a.kind === 'content-type') {
    headers['content-type'] = a.contentType;
    body = a.body;
  }
  // Bodies go only where the operation takes one (a GET with a body says nothing about the route).
  if (op.bodyTypes.length === 0) body = undefined;
  if (body === undefined) delete headers['content-type'];
  return { method: op.method, path, headers, body };
}

/** What must hold of every answer; a string describes what did not. */
function problemWith(op: Operation, a: Attack, r: RawAnswer): string | null {
  if (r.status >= 500) return `answered ${r.status}: ${r.body}`;
  if (r.status >= 400) {
    if (!r.contentType.includes('application/json')) return `answered ${r.status} as ${r.contentType}`;
    let json: unknown;
    try {
      json = JSON.parse(r.body ?? '');
    } catch {
      return `answered ${r.status} with a body that is not JSON: ${r.body}`;
    }
    const { error, message } = json as { error?: unknown; message?: unknown };
    if (typeof error !== 'string' || typeof message !== 'string' || message.length === 0) return `answered ${r.status} without {error, message}: ${r.body}`;
    return null;
  }
  // Input the route cannot take must be refused, not ignored or half-read.
  const refusable = op.bodyTypes.length > 0 && (a.kind === 'malformed-json' || a.kind === 'oversized');
  return refusable ? `accepted (${r.status}) a ${a.kind} body` : null;
}

describe.each(BOTH_DATABASES)('every operation stays healthy under hostile input, on %s', (_name, open) => {
  let all: AllRoutesServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const opened = await open();
    drop = opened.drop;
    all = await startAllRoutesServer(opened.db, { bodyLimit: BODY_LIMIT });
  });
  afterAll(async () => {
    await all.close();
    await drop();
  });

  it('answers 4xx with {error, message}, never 5xx, and /health afterwards', { timeout: 300_000 }, async () => {
    console.log(`fast-check seed ${seed} (${numRuns} runs; FC_SEED=${seed} to replay)`);
    expect(all.operations.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all.operations).chain((op) => fc.tuple(fc.constant(op), attackOn(op, all.components))), async ([op, a]) => {
        const r = await rawRequest(all.server.url, requestFor(op, a, all.token));
        const problem = problemWith(op, a, r);
        if (problem) throw new Error(`${op.name} (${a.kind}) ${problem}`);
      }),
      { seed, numRuns },
    );
    const health = await rawRequest(all.server.url, { method: 'GET', path: '/health' });
    expect(health.status).toBe(200);
  });
});
