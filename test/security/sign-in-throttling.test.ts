import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/src/demo/seed-users';
import { authorizeUrl, hiddenFields, newPkce, startLoopbackReceiver, type LoopbackReceiver } from '../support/oidc-client';
import { startApiNodes, type ApiNodes } from './api-nodes';

/*
 * Finding 8 of the security probe: the built-in provider's password form took any number of
 * guesses. Now an address is rate-limited, and wrong passwords lock the username (from every
 * address) and block the address for a while, counted in PostgreSQL so that spreading the
 * guesses over API nodes gains nothing. The nodes trust X-Forwarded-For from 127.0.0.1 (as behind
 * a load balancer), so each test guesses from an address of its own. The per-address figures are
 * set lower than the defaults (60 a minute, 30 failures) so the test needs few scrypt checks.
 */

const ATTEMPTS_PER_ADDRESS_PER_MINUTE = 12;
const FAILURES_BEFORE_ADDRESS_BLOCK = 10;
const FAILURES_BEFORE_USER_LOCKOUT = 5;

describe('the password form is throttled per user and per address, across API nodes', () => {
  let api: ApiNodes;
  let receiver: LoopbackReceiver;
  let form: Record<string, string>;

  beforeAll(async () => {
    api = await startApiNodes(2, {
      TRUST_PROXY: '127.0.0.1',
      SIGN_IN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: String(ATTEMPTS_PER_ADDRESS_PER_MINUTE),
      SIGN_IN_FAILURES_PER_ADDRESS: String(FAILURES_BEFORE_ADDRESS_BLOCK),
      SIGN_IN_FAILURES_BEFORE_LOCKOUT: String(FAILURES_BEFORE_USER_LOCKOUT),
    });
    receiver = await startLoopbackReceiver();
    const page = await fetch(authorizeUrl(api.urls[0]!, { redirectUri: receiver.redirectUri, challenge: newPkce().challenge, state: 's' }), { headers: { accept: 'text/html' } });
    form = hiddenFields(await page.text());
  }, 120_000);
  afterAll(async () => {
    await receiver.close();
    await api.close();
  });

  let turn = 0;
  /** Posts the sign-in form to the next node in turn, from the given address. */
  async function attempt(username: string, password: string, from: string) {
    const url = api.urls[turn++ % api.urls.length]!;
    const r = await fetch(`${url}/oidc/authorize`, {
      method: 'POST',
      headers: { accept: 'application/json', 'x-forwarded-for': from },
      body: new URLSearchParams({ ...form, username, password }),
      redirect: 'manual',
    });
    const body = r.status === 303 ? null : ((await r.json()) as { error: string; message: string });
    return { status: r.status, retryAfter: r.headers.get('retry-after'), body };
  }

  it(`locks a username after ${FAILURES_BEFORE_USER_LOCKOUT} wrong passwords in a row, from any address and node, even for the right password`, async () => {
    for (let i = 0; i < FAILURES_BEFORE_USER_LOCKOUT - 1; i++) expect((await attempt('clinician.south', `guess-${i}`, `198.51.100.${i + 1}`)).status).toBe(401);
    const last = await attempt('clinician.south', 'guess-last', '198.51.100.50');
    expect(last.status).toBe(429);
    expect(last.body).toMatchObject({ error: 'too_many_attempts', message: expect.stringMatching(/locked until \d\d:\d\d/) });
    expect(Number(last.retryAfter)).toBeGreaterThan(60);
    // The right password, from a fresh address, on the other node: still locked.
    const right = await attempt('clinician.south', DEMO_PASSWORD, '203.0.113.77');
    expect(right.status).toBe(429);
    expect(right.body?.message).toMatch(/even with the right password/);
    // The same username typed differently is the same username.
    expect((await attempt('  Clinician.South ', DEMO_PASSWORD, '203.0.113.78')).status).toBe(429);
    // Other users sign in as usual.
    expect((await attempt('clinician2.south', DEMO_PASSWORD, '203.0.113.79')).status).toBe(303);
  });

  it('ends the run of failures when the right password is given before the lockout', async () => {
    for (let i = 0; i < FAILURES_BEFORE_USER_LOCKOUT - 1; i++) expect((await attempt('lead.south', `guess-${i}`, '192.0.2.10')).status).toBe(401);
    expect((await attempt('lead.south', DEMO_PASSWORD, '192.0.2.10')).status).toBe(303);
    for (let i = 0; i < FAILURES_BEFORE_USER_LOCKOUT - 1; i++) expect((await attempt('lead.south', `again-${i}`, '192.0.2.10')).status).toBe(401);
    expect((await attempt('lead.south', DEMO_PASSWORD, '192.0.2.10')).status).toBe(303);
  });

  it(`blocks an address after ${FAILURES_BEFORE_ADDRESS_BLOCK} wrong passwords across usernames (unknown ones count too; an IPv6 /64 is one address)`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < FAILURES_BEFORE_ADDRESS_BLOCK; i++) {
      // Different hosts of one /64, each username tried fewer times than a lockout.
      statuses.push((await attempt(`nobody-${i}`, 'guess', `2001:db8:5:7::${(i + 1).toString(16)}`)).status);
    }
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const blocked = await attempt('admin.north', DEMO_PASSWORD, '2001:db8:5:7:ffff::1');
    expect(blocked).toMatchObject({ status: 429, body: { message: expect.stringMatching(/this network/) } });
    // Another /64 is another address.
    expect((await attempt('admin.north', DEMO_PASSWORD, '2001:db8:5:8::1')).status).toBe(303);
  });

  it(`rate-limits an address to ${ATTEMPTS_PER_ADDRESS_PER_MINUTE} attempts a minute whatever their outcome`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= ATTEMPTS_PER_ADDRESS_PER_MINUTE; i++) statuses.push((await attempt('clinician.north', DEMO_PASSWORD, '192.0.2.200')).status);
    expect(statuses.slice(0, -1).every((s) => s === 303)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await attempt('clinician.north', DEMO_PASSWORD, '192.0.2.201')).status).toBe(303);
  });

  it('shows a person at the sign-in page why, as a page', async () => {
    const r = await fetch(`${api.urls[1]}/oidc/authorize`, {
      method: 'POST',
      headers: { accept: 'text/html', 'x-forwarded-for': '203.0.113.80' },
      body: new URLSearchParams({ ...form, username: 'clinician.south', password: DEMO_PASSWORD }),
      redirect: 'manual',
    });
    expect(r.status).toBe(429);
    const html = await r.text();
    expect(html).toMatch(/role="alert">[^<]*locked until/);
    expect(html).toContain('<form method="post" action="authorize">');
  });

  it('keeps only hashes of usernames and addresses in its counts', async () => {
    const rows = await api.nodes[0]!.deps.db.query<{ key: string }>('SELECT key FROM sign_in_limit');
    expect(rows.length).toBeGreaterThan(0);
    const keys = rows.map((r) => r.key).join('\n');
    for (const plain of ['clinician.south', '198.51.100', '2001:db8', '192.0.2']) expect(keys).not.toContain(plain);
  });
});
