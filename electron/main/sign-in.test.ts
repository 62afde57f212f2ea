import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from './test-temp-dir';
import { startLoopbackRedirect } from './loopback-redirect';
import { IdpRefused, type OidcOps, type TokenSet } from '../node/oidc-client';
import { DesktopSignIn, jwtClaims, type SessionState } from './sign-in';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

/** A provider that hands out numbered, rotating refresh tokens and accepts each only once. */
function fakeProvider() {
  let n = 0;
  const live = new Set<string>();
  const calls: string[] = [];
  /** Refresh tokens by whose they are. */
  const owner = new Map<string, string>();
  const issue = (userName: string | null, trust = 'RRP', sub = 'u1'): TokenSet => {
    n++;
    const refreshToken = `rt-${n}`;
    live.add(refreshToken);
    owner.set(refreshToken, sub);
    return { accessToken: jwt({ sub, trust_id: trust, team_id: 'team-1', roles: ['clinician'], n }), refreshToken, expiresInSeconds: 300, userName };
  };
  /** who: the account the next sign-in is made with. */
  const state = { trust: 'RRP', offline: false, lastAuthUrl: null as URL | null, who: { sub: 'u1', name: 'Dr Ada Clinician' } };
  const ops: OidcOps = {
    async authorizationUrl({ redirectUri, codeChallenge, state: st, nonce }) {
      calls.push('authorize');
      const url = new URL('https://idp.example/authorize');
      url.search = new URLSearchParams({ redirect_uri: redirectUri, code_challenge: codeChallenge, code_challenge_method: 'S256', state: st, nonce }).toString();
      state.lastAuthUrl = url;
      return url.toString();
    },
    async exchange(callbackUrl, { state: expected }) {
      calls.push('exchange');
      if (callbackUrl.searchParams.get('state') !== expected) throw new IdpRefused('state mismatch');
      return issue(state.who.name, state.trust, state.who.sub);
    },
    async refresh(rt) {
      calls.push(`refresh ${rt}`);
      if (state.offline) throw new TypeError('fetch failed');
      if (!live.delete(rt)) throw new IdpRefused('invalid_grant');
      return issue(null, state.trust, owner.get(rt));
    },
    revoke: vi.fn(async (rt: string) => {
      live.delete(rt);
    }),
  };
  return { ops, calls, state, live };
}

const ADA = { userId: 'u1', displayName: 'Dr Ada Clinician', trustId: 'RRP', teamId: 'team-1', roles: ['clinician'] };
const BEN = { userId: 'u2', displayName: 'Ben Night', trustId: 'RRP', teamId: 'team-1', roles: ['clinician'] };

/** The system browser: follows the authorization URL back to the loopback redirect. */
function browser(answer: (authUrl: URL) => Record<string, string> | null) {
  return async (url: string) => {
    const auth = new URL(url);
    const params = answer(auth);
    if (!params) return; // the person closed the tab
    const back = new URL(auth.searchParams.get('redirect_uri')!);
    for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
    const res = await fetch(back);
    await res.text();
  };
}
const approve = browser((auth) => ({ code: 'c1', state: auth.searchParams.get('state')! }));

const safeStorage = {
  encryptStringAsync: async (s: string) => Buffer.from(`wrapped:${Buffer.from(s).toString('base64')}`),
  decryptStringAsync: async (b: Buffer) => {
    const [tag, body] = b.toString().split(':');
    if (tag !== 'wrapped') throw new Error('cannot decrypt');
    return { result: Buffer.from(body!, 'base64').toString(), shouldReEncrypt: false };
  },
};

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('crisis-desk-signin-');
});
afterEach(() => tmp.remove());

function make(opts: { openBrowser?: (url: string) => Promise<void>; trust?: { id: string; claim: string }; timeoutMs?: number; now?: () => number } = {}) {
  const provider = fakeProvider();
  const states: SessionState['status'][] = [];
  const session = new DesktopSignIn({
    oidc: provider.ops,
    safeStorage,
    dir: tmp.dir,
    openBrowser: opts.openBrowser ?? approve,
    startLoopback: (t) => startLoopbackRedirect(opts.timeoutMs ?? t),
    trust: opts.trust ?? null,
    now: opts.now,
  });
  session.onChange((s) => states.push(s.status));
  return { session, provider, states };
}

describe('desktop sign-in', () => {
  it('goes signed_out → signing_in → signed_in through the system browser and a loopback redirect', async () => {
    const { session, provider, states } = make();
    expect(session.current.status).toBe('signed_out');
    expect(await session.token()).toEqual({ accessToken: null });
    const end = await session.signIn();
    // Who signed in, from the access token's claims: the id the server files their records under, team and roles.
    expect(end).toEqual({ status: 'signed_in', userName: 'Dr Ada Clinician', user: ADA });
    expect(session.snapshot()).toEqual({ user: ADA, kept: [], ended: false });
    expect(states).toEqual(['signing_in', 'signed_in']);
    const auth = provider.state.lastAuthUrl!;
    const redirect = new URL(auth.searchParams.get('redirect_uri')!);
    expect(redirect.protocol).toBe('http:');
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(redirect.pathname).toMatch(/^\/callback\/[0-9a-f]{32}$/);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect((await session.token()).accessToken).toMatch(/^h\./);
  });

  it('stores the refresh token only wrapped, and restores the session after a restart', async () => {
    const { session } = make();
    await session.signIn();
    const file = readFileSync(path.join(tmp.dir, 'session.json'), 'utf8');
    expect(file).not.toContain('rt-1');
    const { session: later, provider } = make();
    await later.restore();
    expect(later.current).toEqual({ status: 'signed_in', userName: 'Dr Ada Clinician', user: ADA });
    // the restored session has no access token yet: the first request refreshes
    provider.live.add('rt-1');
    expect((await later.token()).accessToken).toBeTruthy();
    expect(provider.calls).toEqual(['refresh rt-1']);
  });

  it('forgets a stored session whose refresh token no longer unwraps', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(tmp.dir, 'session.json'), JSON.stringify({ version: 1, wrappedRefreshToken: Buffer.from('other:x').toString('base64'), userName: 'x' }));
    const { session } = make();
    await session.restore();
    expect(session.current.status).toBe('signed_out');
    expect(existsSync(path.join(tmp.dir, 'session.json'))).toBe(false);
  });

  it('refreshes one at a time with rotating tokens, and storing each new one', async () => {
    let now = 0;
    const { session, provider } = make({ now: () => now });
    await session.signIn();
    now += 10 * 60_000; // the access token expired
    const answers = await Promise.all([session.token(), session.token(), session.renew()]);
    expect(provider.calls.filter((c) => c.startsWith('refresh'))).toEqual(['refresh rt-1']);
    expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
    expect(jwtClaims(answers[0]!.accessToken!)).toMatchObject({ n: 2 });
    await session.renew();
    expect(provider.calls.filter((c) => c.startsWith('refresh'))).toEqual(['refresh rt-1', 'refresh rt-2']);
  });

  it('keeps the session when the provider is unreachable (sync waits as offline); ends it only on a refusal', async () => {
    const { session, provider, states } = make();
    await session.signIn();
    provider.state.offline = true;
    expect(await session.renew()).toEqual({ accessToken: null, unreachable: true });
    expect(session.signedIn).toBe(true);
    provider.state.offline = false;
    provider.live.clear(); // revoked or expired at the provider
    expect(await session.renew()).toEqual({ accessToken: null });
    // Ended by itself, not signed out: the desk keeps Ada as its user and waits for her to sign in again.
    expect(session.current).toMatchObject({ status: 'signed_out', ended: true, message: expect.stringMatching(/sign in to sync/) });
    expect(session.snapshot()).toEqual({ user: null, kept: [], ended: true });
    expect(states.at(-1)).toBe('signed_out');
    expect(existsSync(path.join(tmp.dir, 'session.json'))).toBe(false);
  });

  it('returns to signed_out when the provider refuses, the browser is closed, or time runs out', async () => {
    const refused = make({ openBrowser: browser((auth) => ({ error: 'access_denied', error_description: 'The user said no', state: auth.searchParams.get('state')! })) });
    expect(await refused.session.signIn()).toMatchObject({ status: 'signed_out', message: expect.stringMatching(/user said no/) });
    expect(refused.provider.calls).toEqual(['authorize']);

    const forged = make({ openBrowser: browser(() => ({ code: 'c1', state: 'not-ours' })) });
    expect((await forged.session.signIn()).status).toBe('signed_out');

    const abandoned = make({ openBrowser: browser(() => null), timeoutMs: 200 });
    expect(await abandoned.session.signIn()).toMatchObject({ status: 'signed_out', message: expect.stringMatching(/not finished in time/) });
    expect(abandoned.states).toEqual(['signing_in', 'signed_out']);
  });

  it('refuses an account of another trust than the policy’s, and revokes its token', async () => {
    const { session, provider } = make({ trust: { id: 'RV3', claim: 'trust_id' } });
    expect(await session.signIn()).toMatchObject({ status: 'signed_out', message: expect.stringMatching(/another organisation/) });
    expect(provider.ops.revoke).toHaveBeenCalledWith('rt-1');
    expect(existsSync(path.join(tmp.dir, 'session.json'))).toBe(false);
  });

  it('signs out: the session is kept (wrapped on disk) only until the core releases it, then revoked and forgotten', async () => {
    const { session, provider } = make();
    await session.signIn();
    session.signOut();
    expect(session.current).toEqual({ status: 'signed_out', message: null });
    expect(session.snapshot()).toEqual({ user: null, kept: ['u1'], ended: false });
    expect(await session.token()).toEqual({ accessToken: null });
    expect((await session.token('u1')).accessToken).toMatch(/^h\./);
    expect(provider.ops.revoke).not.toHaveBeenCalled();
    expect(readFileSync(path.join(tmp.dir, 'session.json'), 'utf8')).not.toContain('rt-1');
    session.release('u1');
    expect(provider.ops.revoke).toHaveBeenCalledWith('rt-1');
    expect(await session.token('u1')).toEqual({ accessToken: null });
    expect(existsSync(path.join(tmp.dir, 'session.json'))).toBe(false);
  });

  it('keeps the first person’s session when someone else signs in, gives each their own tokens, and keeps both across a restart', async () => {
    let now = 0;
    const { session, provider } = make({ now: () => now });
    await session.signIn();
    provider.state.who = { sub: 'u2', name: 'Ben Night' };
    expect(await session.signIn()).toEqual({ status: 'signed_in', userName: 'Ben Night', user: BEN });
    expect(session.snapshot()).toEqual({ user: BEN, kept: ['u1'], ended: false });
    const claims = (a: { accessToken: string | null }) => jwtClaims(a.accessToken!);
    expect(claims(await session.token())).toMatchObject({ sub: 'u2' });
    expect(claims(await session.token('u2'))).toMatchObject({ sub: 'u2' });
    expect(claims(await session.token('u1'))).toMatchObject({ sub: 'u1' });
    expect(await session.token('someone-else')).toEqual({ accessToken: null });

    const { session: later, provider: restarted } = make({ now: () => now });
    await later.restore();
    expect(later.snapshot()).toEqual({ user: BEN, kept: ['u1'], ended: false });
    // Ada's kept session renews with her own refresh token (rotated, stored wrapped again).
    restarted.live.add('rt-1');
    now += 10 * 60_000;
    const renewed = await later.renew('u1');
    expect(restarted.calls).toEqual(['refresh rt-1']);
    expect(claims(renewed)).toMatchObject({ sub: 'u1', n: 1 });
    // Revoked at the provider: her kept session is dropped, and the core is told.
    const seen: unknown[] = [];
    later.onChange(() => seen.push(later.snapshot()));
    restarted.live.clear();
    expect(await later.renew('u1')).toEqual({ accessToken: null });
    expect(later.snapshot()).toEqual({ user: BEN, kept: [], ended: false });
    expect(seen).toEqual([{ user: BEN, kept: [], ended: false }]);
    expect(later.current).toMatchObject({ status: 'signed_in', user: BEN });
  });

  it('revokes the older session when the same person signs in again', async () => {
    const { session, provider } = make();
    await session.signIn();
    session.signOut();
    await session.signIn();
    expect(provider.ops.revoke).toHaveBeenCalledWith('rt-1');
    expect(session.snapshot()).toEqual({ user: ADA, kept: [], ended: false });
  });

  it('reads a session file written before kept sessions, and learns who it is from the first token', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      path.join(tmp.dir, 'session.json'),
      JSON.stringify({ version: 1, wrappedRefreshToken: (await safeStorage.encryptStringAsync('rt-1')).toString('base64'), userName: 'Dr Ada Clinician' }),
    );
    const { session, provider } = make();
    provider.live.add('rt-1');
    await session.restore();
    expect(session.current).toEqual({ status: 'signed_in', userName: 'Dr Ada Clinician', user: null });
    await session.token();
    expect(session.current).toEqual({ status: 'signed_in', userName: 'Dr Ada Clinician', user: ADA });
  });
});

describe('the loopback redirect', () => {
  it('answers only its own path on 127.0.0.1, once', async () => {
    const lb = await startLoopbackRedirect(5000);
    const uri = new URL(lb.redirectUri);
    expect((await fetch(`http://127.0.0.1:${uri.port}/callback/wrong?code=x`)).status).toBe(404);
    // the right path under another Host name (DNS rebinding) is refused too
    const otherHost = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port: uri.port, path: `${uri.pathname}?code=x`, headers: { host: `localhost:${uri.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end(),
    );
    expect(otherHost).toBe(404);
    const ok = await fetch(`${lb.redirectUri}?code=abc&state=s`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await lb.callback).searchParams.get('code')).toBe('abc');
    await expect(fetch(`${lb.redirectUri}?code=again`)).rejects.toThrow();
  });
});
