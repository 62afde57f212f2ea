import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoreLifecycleMessage } from '../../shared/contract';
import { CoreSupervisor, type CoreProcessLike, type CoreState } from './core-supervisor';

class FakeCore extends EventEmitter implements CoreProcessLike {
  sent: { message: unknown; transfer?: unknown[] }[] = [];
  killed = false;
  postMessage(message: unknown, transfer?: unknown[]) {
    this.sent.push({ message, transfer });
  }
  kill() {
    this.killed = true;
    queueMicrotask(() => this.emit('exit', 0));
    return true;
  }
  say(m: CoreLifecycleMessage) {
    this.emit('message', m);
  }
  die(code = 1) {
    this.emit('exit', code);
  }
}

const ADA = { userId: 'ada', displayName: 'Ada', trustId: 't', teamId: 'team', roles: ['clinician' as const] };

function setup(over: Partial<ConstructorParameters<typeof CoreSupervisor>[0]> = {}) {
  const children: FakeCore[] = [];
  const states: CoreState[] = [];
  const deps = {
    spawn: () => {
      const c = new FakeCore();
      children.push(c);
      return c;
    },
    init: () => ({ kind: 'init' as const, dataDir: '/d', geoDir: '/g', deskKeyHex: 'ab'.repeat(32), serverUrl: 'https://s.example' }),
    tokens: {
      token: vi.fn(async (userId?: string) => ({ accessToken: userId ? `at-${userId}` : 'at-1' })),
      renew: vi.fn(async (_userId?: string) => ({ accessToken: null, unreachable: true })),
    },
    session: vi.fn(() => ({ signedIn: true, userName: 'Ada', user: ADA, kept: ['night'] })),
    onState: (s: CoreState) => states.push(s),
    onSignInRequested: vi.fn(),
    onSignOutRequested: vi.fn(),
    onReleaseSession: vi.fn(),
    onStatus: vi.fn(),
    restartDelaysMs: [100, 200],
    startTimeoutMs: 5000,
    healthyAfterMs: 1000,
    ...over,
  };
  const sup = new CoreSupervisor(deps);
  return { sup, children, states, deps };
}

describe('the core supervisor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts the core with the init message (the key by message, never argv) and waits for ready', () => {
    const { sup, children, states } = setup();
    sup.start();
    expect(children[0]!.sent[0]!.message).toMatchObject({ kind: 'init', deskKeyHex: 'ab'.repeat(32) });
    expect(sup.connect('port')).toBe(false);
    children[0]!.say({ kind: 'ready', clientId: 'c1' });
    expect(states.map((s) => s.status)).toEqual(['starting', 'ready']);
  });

  it('hands a screen’s port to the ready core with a connect message', () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.say({ kind: 'ready', clientId: 'c1' });
    const port = { id: 'p' };
    expect(sup.connect(port)).toBe(true);
    expect(children[0]!.sent.at(-1)).toEqual({ message: { kind: 'connect' }, transfer: [port] });
  });

  it('answers token requests (initial and expired, the signed-in person’s or a kept session’s), passing on "unreachable"', async () => {
    const { sup, children, deps } = setup();
    sup.start();
    const core = children[0]!;
    core.say({ kind: 'ready', clientId: 'c1' });
    core.say({ kind: 'token-request', id: 1, reason: 'initial' });
    core.say({ kind: 'token-request', id: 2, reason: 'expired' });
    core.say({ kind: 'token-request', id: 3, reason: 'initial', userId: 'night' });
    core.say({ kind: 'token-request', id: 4, reason: 'expired', userId: 'night' });
    await vi.advanceTimersByTimeAsync(0);
    expect(core.sent.map((s) => s.message).filter((m) => (m as { kind: string }).kind === 'token-response')).toEqual([
      { kind: 'token-response', id: 1, accessToken: 'at-1' },
      { kind: 'token-response', id: 2, accessToken: null, unreachable: true },
      { kind: 'token-response', id: 3, accessToken: 'at-night' },
      { kind: 'token-response', id: 4, accessToken: null, unreachable: true },
    ]);
    expect(deps.tokens.renew).toHaveBeenLastCalledWith('night');
  });

  it('tells a core who is signed in as soon as it is ready, before anything else, and after every restart', async () => {
    const { sup, children } = setup();
    sup.start();
    children[0]!.say({ kind: 'ready', clientId: 'c1' });
    expect(children[0]!.sent.map((s) => s.message)).toEqual([
      expect.objectContaining({ kind: 'init' }),
      { kind: 'session-changed', signedIn: true, userName: 'Ada', user: ADA, kept: ['night'] },
    ]);
    children[0]!.die();
    await vi.advanceTimersByTimeAsync(100);
    children[1]!.say({ kind: 'ready', clientId: 'c1' });
    expect(children[1]!.sent.at(-1)!.message).toMatchObject({ kind: 'session-changed', user: ADA });
  });

  it('passes on sign-in and sign-out requests, status counts and session changes', () => {
    const { sup, children, deps } = setup();
    sup.start();
    const core = children[0]!;
    core.say({ kind: 'ready', clientId: 'c1' });
    core.say({ kind: 'sign-in-requested' });
    core.say({ kind: 'sign-out-requested' });
    core.say({ kind: 'status', waiting: 4, conflicts: 1, rejected: 0, lastSyncedAt: null });
    core.say({ kind: 'release-session', userId: 'night' });
    expect(deps.onSignInRequested).toHaveBeenCalledOnce();
    expect(deps.onSignOutRequested).toHaveBeenCalledOnce();
    expect(deps.onReleaseSession).toHaveBeenCalledWith('night');
    expect(deps.onStatus).toHaveBeenCalledWith({ waiting: 4, conflicts: 1, rejected: 0, lastSyncedAt: null });
    vi.mocked(deps.session).mockReturnValue({ signedIn: false, userName: null, user: null, kept: ['ada'] } as never);
    sup.sessionChanged();
    expect(core.sent.at(-1)!.message).toEqual({ kind: 'session-changed', signedIn: false, userName: null, user: null, kept: ['ada'] });
  });

  it('restarts a core that dies, with backoff, and gives up after the last delay until asked', async () => {
    const { sup, children, states } = setup();
    sup.start();
    children[0]!.say({ kind: 'ready', clientId: 'c1' });
    children[0]!.die();
    expect(states.at(-1)).toMatchObject({ status: 'restarting', inMs: 100, error: { message: expect.stringMatching(/stays on the screen/) } });
    await vi.advanceTimersByTimeAsync(100);
    expect(children).toHaveLength(2);
    children[1]!.die();
    expect(states.at(-1)).toMatchObject({ status: 'restarting', inMs: 200 });
    await vi.advanceTimersByTimeAsync(200);
    children[2]!.die();
    expect(states.at(-1)).toMatchObject({ status: 'failed', needsReset: false });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(children).toHaveLength(3);
    sup.retry();
    expect(children).toHaveLength(4);
  });

  it('starts the delays afresh after the core has been healthy for a while', async () => {
    const { sup, children, states } = setup();
    sup.start();
    children[0]!.say({ kind: 'ready', clientId: 'c1' });
    children[0]!.die();
    await vi.advanceTimersByTimeAsync(100);
    children[1]!.say({ kind: 'ready', clientId: 'c1' });
    await vi.advanceTimersByTimeAsync(1000);
    children[1]!.die();
    expect(states.at(-1)).toMatchObject({ status: 'restarting', inMs: 100 });
  });

  it('does not retry what a restart cannot fix: the wrong key asks for a reset', () => {
    const { sup, children, states } = setup();
    sup.start();
    children[0]!.say({ kind: 'fatal', error: { code: 'db_wrong_key', message: 'This key does not open desk.db.' } });
    expect(children[0]!.killed).toBe(true);
    expect(states.at(-1)).toEqual({ status: 'failed', error: { code: 'db_wrong_key', message: 'This key does not open desk.db.' }, needsReset: true });
    const newer = setup();
    newer.sup.start();
    newer.children[0]!.say({ kind: 'fatal', error: { code: 'db_newer_version', message: 'Update Crisis Desk.' } });
    expect(newer.states.at(-1)).toMatchObject({ status: 'failed', needsReset: false });
  });

  it('kills a core that never says ready, and retries it', async () => {
    const { sup, children, states } = setup();
    sup.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(children[0]!.killed).toBe(true);
    expect(states.at(-1)).toMatchObject({ status: 'restarting', error: { message: expect.stringMatching(/did not start in time/) } });
  });

  it('ignores messages from a core it has already replaced, and stops without restarting', async () => {
    const { sup, children, states } = setup();
    sup.start();
    children[0]!.die();
    await vi.advanceTimersByTimeAsync(100);
    children[0]!.say({ kind: 'ready', clientId: 'stale' });
    expect(states.at(-1)!.status).toBe('starting');
    children[1]!.say({ kind: 'ready', clientId: 'c2' });
    sup.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toEqual({ status: 'stopped' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(children).toHaveLength(2);
  });
});
