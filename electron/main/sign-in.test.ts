import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from './test-temp-dir';
import { startLoopbackRedirect } from './loopback-redirect';
import { DesktopSignIn, IdpRefused, jwtClaims, type OidcOps, type SessionState, type TokenSet } from './sign-in';

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

/** A provider that hands out numbered, rotating refresh tokens and accepts each only once. */
function fakeProvider() {
  let n = 0;
  const live = new Set<string>();
  const calls: string[] = [];
  const issue = (userName: string | null, trust = 'RRP'): TokenSet => {
    n++;
    const refreshToken = `rt-${n}`;
    live.add(refreshToken);
    return { accessToken: jwt({ sub: 'u1', trust_id: trust, n }), refreshToken, expiresInSeconds: 300, userName };
  };
  const state = { trust: 'RRP', offline: false, lastAuthUrl: null as URL | null };
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
      return issue('Dr Ada Clinician', state.trust);
    },
    async refresh(rt) {
      calls.push(`refresh ${rt}`);
      if (state.offline) throw new TypeError('fetch failed');
      if (!live.delete(rt)) throw new IdpRefused('invalid_grant');
      return issue(null, state.trust);
    },
    revoke: vi.fn(async (rt: string) => {
      live.delete(rt);
    }),
  };
  return { ops, calls, state, live };
}

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
    expect(end).toEqual({ status: 'signed_in', userName: 'Dr Ada Clinician' });
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
    expect(later.current).toEqual({ status: 'signed_in', userName: 'Dr Ada Clinician' });
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
    expect(session.current).toMatchObject({ status: 'signed_out', message: expect.stringMatching(/sign in to sync/) });
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

  it('signs out: forgets the tokens here and revokes at the provider', async () => {
    const { session, provider } = make();
    await session.signIn();
    session.signOut();
    expect(session.current).toEqual({ status: 'signed_out', message: null });
    expect(provider.ops.revoke).toHaveBeenCalledWith('rt-1');
    expect(await session.token()).toEqual({ accessToken: null });
    expect(existsSync(path.join(tmp.dir, 'session.json'))).toBe(false);
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
