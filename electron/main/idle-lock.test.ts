import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from './test-temp-dir';
import { FREE_ATTEMPTS, IDLE_POLL_MS, IdleLock, type LockView, type PasscodeStore } from './idle-lock';
import { hashPasscode, passcodeProblem, PasscodeFile, verifyPasscode, type LockAttempts, type LockOwner } from './passcode';

const ADA = { subject: 'ada', name: 'Dr Ada Clinician' };

function memoryPasscodes(initial: string | null = null, owner: LockOwner | null = initial === null ? null : ADA): PasscodeStore & { value: string | null; saved: LockAttempts } {
  return {
    value: initial,
    ownerValue: owner,
    saved: { failures: 0, retryAt: null },
    exists() {
      return this.value !== null;
    },
    owner() {
      return this.ownerValue;
    },
    async verify(p) {
      return p === this.value;
    },
    async set(p, o) {
      this.value = p;
      this.ownerValue = o;
    },
    attempts() {
      return this.saved;
    },
    recordAttempts(a) {
      this.saved = a;
    },
  } as PasscodeStore & { value: string | null; saved: LockAttempts; ownerValue: LockOwner | null };
}

function setup(passcode: string | null, minutes = 5) {
  let idle = 0;
  let now = 1_000_000;
  const views: LockView[] = [];
  const passcodes = memoryPasscodes(passcode);
  const lock = new IdleLock({ passcodes, idleSeconds: () => idle, onChange: (v) => views.push(v), now: () => now }, minutes);
  return { lock, views, passcodes, setIdle: (s: number) => (idle = s), advance: (ms: number) => (now += ms) };
}

describe('the idle lock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('locks after the policy’s minutes without input, checked on a timer', async () => {
    const { lock, setIdle } = setup('secret-42', 5);
    lock.start();
    expect(lock.current).toMatchObject({ screen: 'lock', reason: 'startup' });
    await lock.unlock('secret-42');
    expect(lock.current.screen).toBe('none');

    setIdle(4 * 60 + 59);
    await vi.advanceTimersByTimeAsync(IDLE_POLL_MS);
    expect(lock.current.screen).toBe('none');
    setIdle(5 * 60);
    await vi.advanceTimersByTimeAsync(IDLE_POLL_MS);
    expect(lock.current).toMatchObject({ screen: 'lock', reason: 'idle' });
    expect(lock.state).toEqual({ locked: true, reason: 'idle', idleMinutes: 5 });
    lock.stop();
  });

  it('is not armed until a passcode exists, and asks for one at the first sign-in', async () => {
    const { lock, setIdle, passcodes } = setup(null);
    lock.start();
    expect(lock.current.screen).toBe('none');
    setIdle(3600);
    lock.tick();
    lock.lock('manual');
    expect(lock.current.screen).toBe('none');
    expect(lock.state.idleMinutes).toBeNull();

    lock.signedIn(ADA);
    expect(lock.current.screen).toBe('set-passcode');
    expect(await lock.choosePasscode('abc', 'abc')).toBe(false);
    expect(lock.current).toMatchObject({ screen: 'set-passcode', message: expect.stringMatching(/at least 6/) });
    expect(await lock.choosePasscode('tulip-harbour', 'tulip-harbor')).toBe(false);
    expect(lock.current).toMatchObject({ message: expect.stringMatching(/not the same/) });
    expect(await lock.choosePasscode('tulip-harbour', 'tulip-harbour')).toBe(true);
    expect(passcodes.value).toBe('tulip-harbour');
    expect(lock.current.screen).toBe('none');
    lock.lock('manual');
    expect(lock.current).toMatchObject({ screen: 'lock', reason: 'manual' });
    lock.stop();
  });

  it('unlocks with the passcode or a fresh sign-in, not a wrong passcode', async () => {
    const { lock } = setup('secret-42');
    lock.lock('system');
    expect(await lock.unlock('wrong')).toBe(false);
    expect(lock.current).toMatchObject({ screen: 'lock', message: expect.stringMatching(/not right/) });
    expect(lock.admits(ADA.subject)).toBeNull();
    lock.signedIn(ADA);
    expect(lock.current.screen).toBe('none');
  });

  it('slows down repeated wrong passcodes, and the wait doubles', async () => {
    const { lock, advance } = setup('secret-42');
    lock.lock('idle');
    for (let i = 0; i < FREE_ATTEMPTS - 1; i++) expect(await lock.unlock('nope')).toBe(false);
    expect(lock.current).toMatchObject({ retryAt: null });
    await lock.unlock('nope');
    const first = (lock.current as { retryAt: number }).retryAt;
    expect(first).toBeGreaterThan(0);
    // even the right passcode waits
    expect(await lock.unlock('secret-42')).toBe(false);
    expect(lock.current).toMatchObject({ message: expect.stringMatching(/Too many/) });
    advance(30_000);
    expect(await lock.unlock('nope')).toBe(false);
    advance(59_000);
    expect(await lock.unlock('secret-42')).toBe(false);
    advance(1_000);
    expect(await lock.unlock('secret-42')).toBe(true);
  });
});

describe('the passcode', () => {
  it('must be long enough, not trivial, and typed twice alike', () => {
    expect(passcodeProblem('12345', '12345')).toMatch(/at least 6/);
    expect(passcodeProblem('111111', '111111')).toMatch(/too easy/);
    expect(passcodeProblem('123456', '123456')).toMatch(/too easy/);
    expect(passcodeProblem('harbour-7', 'harbour-8')).toMatch(/not the same/);
    expect(passcodeProblem('harbour-7', 'harbour-7')).toBeNull();
  });

  it('is stored as a salted scrypt hash, never as itself', async () => {
    const a = await hashPasscode('harbour-7', 10);
    const b = await hashPasscode('harbour-7', 10);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('harbour');
    expect(await verifyPasscode('harbour-7', a)).toBe(true);
    expect(await verifyPasscode('harbour-8', a)).toBe(false);
    expect(await verifyPasscode('harbour-7', 'scrypt$30$8$1$x$y')).toBe(false);
    expect(await verifyPasscode('harbour-7', 'plain')).toBe(false);
  });

  it('unlocks whether the passcode is typed composed (NFC) or decomposed (NFD)', async () => {
    const nfc = 'bryn-gŵyl-é'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    expect(await verifyPasscode(nfd, await hashPasscode(nfc, 10))).toBe(true);
    expect(await verifyPasscode(nfc, await hashPasscode(nfd, 10))).toBe(true);
  });

  it('refuses a stored hash cheaper than the desk ever writes', async () => {
    expect(await verifyPasscode('harbour-7', await hashPasscode('harbour-7', 9))).toBe(false);
  });

  it('lives in a file that survives a restart', async () => {
    const tmp = makeTempDir('crisis-desk-passcode-');
    try {
      const file = new PasscodeFile(tmp.dir, 10);
      expect(file.exists()).toBe(false);
      expect(await file.verify('anything')).toBe(false);
      await file.set('harbour-7', ADA);
      const again = new PasscodeFile(tmp.dir, 10);
      expect(again.exists()).toBe(true);
      expect(await again.verify('harbour-7')).toBe(true);
    } finally {
      tmp.remove();
    }
  });

  it('costs 64 MiB of memory per guess by default', async () => {
    const stored = await hashPasscode('harbour-7');
    expect(stored.startsWith('scrypt$16$8$1$')).toBe(true);
  });
});
