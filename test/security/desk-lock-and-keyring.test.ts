import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeskKeyStore, type SafeStorageLike } from '../../electron/main/desk-key';
import { FREE_ATTEMPTS, IdleLock, type LockView } from '../../electron/main/idle-lock';
import { startLoopbackRedirect } from '../../electron/main/loopback-redirect';
import { PasscodeFile } from '../../electron/main/passcode';
import { IdpRefused, type OidcOps, type TokenSet } from '../../electron/node/oidc-client';
import { DesktopSignIn } from '../../electron/main/sign-in';

/*
 * Findings 4 and 5 of the security probe, in the desktop shell's own rules (electron/main, run
 * without Electron as main.ts runs them):
 *  4. the idle lock opened for any successful sign-in, so any account could read the last
 *     clinician's screen, and quitting wiped the count of wrong passcodes;
 *  5. on Linux without a keyring the desk was refused, but "Sign in…" still worked and wrote the
 *     14-day refresh token wrapped only by safeStorage's fixed-password fallback.
 */

const jwt = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

/** An identity provider where whoever the browser signs in as is the next person in `as`. */
function provider() {
  const state = { as: { sub: 'ada', name: 'Dr Ada Clinician' }, issued: 0, revoked: [] as string[] };
  const ops: OidcOps = {
    async authorizationUrl({ redirectUri, state: st }) {
      return `https://idp.example/authorize?${new URLSearchParams({ redirect_uri: redirectUri, state: st })}`;
    },
    async exchange(callback, { state: expected }) {
      if (callback.searchParams.get('state') !== expected) throw new IdpRefused('state');
      state.issued++;
      return { accessToken: jwt({ sub: state.as.sub, n: state.issued }), refreshToken: `rt-${state.issued}`, expiresInSeconds: 300, userName: state.as.name, subject: state.as.sub } satisfies TokenSet;
    },
    async refresh() {
      throw new IdpRefused('not in this test');
    },
    async revoke(rt) {
      state.revoked.push(rt);
    },
  };
  return { ops, state };
}

/** The system browser: approves, or is closed without finishing. */
const approve = async (url: string) => {
  const auth = new URL(url);
  const back = new URL(auth.searchParams.get('redirect_uri')!);
  back.searchParams.set('code', 'c');
  back.searchParams.set('state', auth.searchParams.get('state')!);
  await (await fetch(back)).text();
};

const keyringSafeStorage = (backend: string): SafeStorageLike => ({
  isAsyncEncryptionAvailable: async () => true,
  getSelectedStorageBackend: () => backend,
  encryptStringAsync: async (s) => Buffer.from(`w:${Buffer.from(s).toString('base64')}`),
  decryptStringAsync: async (b) => ({ result: Buffer.from(b.toString().slice(2), 'base64').toString(), shouldReEncrypt: false }),
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-shell-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The desk as main.ts wires it: sign-in, passcode file, idle lock, and main's startSignIn. */
function desk(opts: { backend?: string; openBrowser?: (url: string) => Promise<void>; timeoutMs?: number; now?: () => number } = {}) {
  const idp = provider();
  const keys = new DeskKeyStore(dir, keyringSafeStorage(opts.backend ?? 'gnome_libsecret'), 'linux');
  const openBrowser = vi.fn(opts.openBrowser ?? approve);
  const session = new DesktopSignIn({
    oidc: idp.ops,
    safeStorage: keyringSafeStorage(opts.backend ?? 'gnome_libsecret'),
    dir,
    openBrowser,
    startLoopback: (t) => startLoopbackRedirect(opts.timeoutMs ?? t),
    protection: () => keys.protection(),
  });
  const views: LockView[] = [];
  const lock = new IdleLock({ passcodes: new PasscodeFile(dir, 10), idleSeconds: () => 0, onChange: (v) => views.push(v), ...(opts.now ? { now: opts.now } : {}) }, 5);
  const startSignIn = () => session.signIn({ admit: (who) => lock.admits(who.subject), onSignedIn: (who) => lock.signedIn(who), onRefused: (m) => lock.refused(m) });
  return { idp, session, lock, startSignIn, openBrowser, keys };
}

describe('the idle lock opens only for its clinician', () => {
  it('stays locked, and keeps the owner’s session, when someone else signs in at it', async () => {
    const d = desk();
    await d.startSignIn(); // Ada signs in first and chooses her passcode
    expect(d.lock.current).toMatchObject({ screen: 'set-passcode', owner: { subject: 'ada' } });
    expect(await d.lock.choosePasscode('harbour-7', 'harbour-7')).toBe(true);
    d.lock.lock('idle');

    // Bob, with an account of his own, presses "Sign in again instead" at Ada's locked desk.
    d.idp.state.as = { sub: 'bob', name: 'Bob Other' };
    const after = await d.startSignIn();
    expect(d.lock.current).toMatchObject({ screen: 'lock', message: expect.stringMatching(/locked for Dr Ada Clinician.*only they can unlock it/) });
    expect(after).toMatchObject({ status: 'signed_in', userName: 'Dr Ada Clinician' });
    expect(d.session.subject).toBe('ada');
    expect(d.idp.state.revoked).toEqual(['rt-2']); // Bob's fresh tokens were thrown away
    const kept = JSON.parse(readFileSync(path.join(dir, 'session.json'), 'utf8')) as { current: { user: { userId: string } } | null };
    expect(kept.current?.user.userId).toBe('ada');

    // Ada signing in again opens it.
    d.idp.state.as = { sub: 'ada', name: 'Dr Ada Clinician' };
    await d.startSignIn();
    expect(d.lock.current.screen).toBe('none');
  });

  it('does not open when a sign-in attempt fails or is abandoned while a session is kept', async () => {
    const d = desk({ openBrowser: async () => {}, timeoutMs: 200 });
    await new PasscodeFile(dir, 10).set('harbour-7', { subject: 'ada', name: 'Dr Ada Clinician' });
    writeFileSync(path.join(dir, 'session.json'), JSON.stringify({ version: 1, wrappedRefreshToken: Buffer.from(`w:${Buffer.from('rt-0').toString('base64')}`).toString('base64'), userName: 'Dr Ada Clinician', subject: 'ada' }));
    await d.session.restore();
    d.lock.start();
    expect(d.lock.current.screen).toBe('lock');
    // The browser tab is closed; the attempt times out and the kept session is as it was.
    expect(await d.startSignIn()).toMatchObject({ status: 'signed_in' });
    expect(d.lock.current.screen).toBe('lock');
    d.lock.stop();
  });

  it('counts wrong passcodes across a restart, so quitting does not buy more guesses', async () => {
    let now = 1_000_000;
    const first = desk({ now: () => now });
    await new PasscodeFile(dir, 10).set('harbour-7', { subject: 'ada', name: 'Dr Ada Clinician' });
    first.lock.start();
    for (let i = 0; i < FREE_ATTEMPTS; i++) expect(await first.lock.unlock(`guess-${i}`)).toBe(false);
    first.lock.stop();

    // Crisis Desk is quit and started again.
    const second = desk({ now: () => now });
    second.lock.start();
    expect(second.lock.current).toMatchObject({ screen: 'lock', retryAt: expect.any(Number) });
    expect(await second.lock.unlock('harbour-7')).toBe(false); // even the right one waits
    expect(second.lock.current).toMatchObject({ message: expect.stringMatching(/Too many/) });
    now += 30_000;
    expect(await second.lock.unlock('harbour-7')).toBe(true);
    second.lock.stop();
    // A success clears the count for the next time.
    expect(new PasscodeFile(dir, 10).attempts()).toEqual({ failures: 0, retryAt: null });
  });

  it('makes a new clinician who signs in on an open desk choose their own passcode', async () => {
    const d = desk();
    await d.startSignIn();
    await d.lock.choosePasscode('harbour-7', 'harbour-7');
    d.idp.state.as = { sub: 'cleo', name: 'Cleo Next-Shift' };
    await d.startSignIn();
    expect(d.lock.current).toMatchObject({ screen: 'set-passcode', owner: { subject: 'cleo' } });
    await d.lock.choosePasscode('lantern-3', 'lantern-3');
    d.lock.lock('manual');
    expect(await d.lock.unlock('harbour-7')).toBe(false); // Ada's passcode no longer opens Cleo's lock
    expect(await d.lock.unlock('lantern-3')).toBe(true);
  });
});

describe('Linux without a keyring stores nothing secret', () => {
  it('refuses to sign in (no browser, no session file) and says why', async () => {
    const d = desk({ backend: 'basic_text' });
    const after = await d.startSignIn();
    expect(after).toMatchObject({ status: 'signed_out', message: expect.stringMatching(/no keyring.*signing in is turned off/) });
    expect(d.openBrowser).not.toHaveBeenCalled();
    expect(d.idp.state.issued).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('forgets a session an earlier version wrote there (only obfuscated), rather than use it', async () => {
    writeFileSync(path.join(dir, 'session.json'), JSON.stringify({ version: 1, wrappedRefreshToken: Buffer.from(`w:${Buffer.from('rt-old').toString('base64')}`).toString('base64'), userName: 'x' }));
    const d = desk({ backend: 'basic_text' });
    await d.session.restore();
    expect(d.session.current.status).toBe('signed_out');
    expect(existsSync(path.join(dir, 'session.json'))).toBe(false);
    await vi.waitFor(() => expect(d.idp.state.revoked).toEqual(['rt-old']));
  });
});
