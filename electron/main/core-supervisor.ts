import { hasErrorCode, type ContractError, type CoreLifecycleMessage, type Envelope } from '../../shared/contract';
import type { TokenAnswer } from './sign-in';

/*
 * Runs the core (electron/core/entry.ts, bundled) in an Electron utilityProcess and keeps it
 * running. Main speaks only the lifecycle to it (init, tokens, sign-in requests, status counts);
 * the screen gets its own MessagePort to the core through connect().
 *
 * If the core fails to start or dies, the window shows the fatal screen and the core is started
 * again with backoff. Nothing is lost by that: every call the core acknowledged is committed in
 * desk.db (WAL, synchronous=FULL), and the screen keeps what was typed and saves it again once
 * the core is back. A failure that a restart cannot fix (the key does not open desk.db, a desk.db
 * from a newer version) stops the retries and says what to do.
 */

/** Electron's UtilityProcess, as far as the supervisor needs it (a fake in tests). */
export interface CoreProcessLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export type InitMessage = Extract<CoreLifecycleMessage, { kind: 'init' }>;
/** Who is signed in and whose sessions are kept, as the core is told. */
export type SessionInfo = Omit<Extract<CoreLifecycleMessage, { kind: 'session-changed' }>, 'kind'>;
export type StatusCounts = Omit<Extract<CoreLifecycleMessage, { kind: 'status' }>, 'kind'>;

export type CoreState =
  | { status: 'stopped' }
  | { status: 'starting'; attempt: number }
  | { status: 'ready'; clientId: string }
  /** Died or failed to start; starting again in inMs. */
  | { status: 'restarting'; attempt: number; inMs: number; error: ContractError }
  /** Will not be retried automatically: `needsReset` when the key cannot open desk.db. */
  | { status: 'failed'; error: ContractError; needsReset: boolean };

export interface CoreSupervisorDeps {
  spawn(): CoreProcessLike;
  /** The init message for each start (the key is loaded by main before the first). */
  init(): InitMessage;
  /** Tokens for the signed-in person, or for `userId`'s session kept to send what they left waiting. */
  tokens: { token(userId?: string): Promise<TokenAnswer>; renew(userId?: string): Promise<TokenAnswer> };
  /** The sessions now, told to every core as soon as it is ready (and again whenever they change). */
  session(): SessionInfo;
  onState(state: CoreState): void;
  onSignInRequested(): void;
  onSignOutRequested(): void;
  /** The core has sent everything of this person's: their kept session can be revoked and forgotten. */
  onReleaseSession(userId: string): void;
  onStatus(counts: StatusCounts): void;
  /** How long the core has to say ready. */
  startTimeoutMs?: number;
  /** Delays between restarts; after the last one, the supervisor gives up until retry(). */
  restartDelaysMs?: number[];
  /** After this long ready, the count of attempts starts again. */
  healthyAfterMs?: number;
}

export const DEFAULT_RESTART_DELAYS_MS = [250, 1000, 2000, 4000, 8000];
const HEALTHY_AFTER_MS = 60_000;
/** Errors a restart cannot fix. */
const PERMANENT: ContractError['code'][] = ['db_wrong_key', 'db_newer_version'];

const DIED: ContractError = {
  code: 'internal',
  message: 'The part of Crisis Desk that keeps your records stopped unexpectedly. It is being restarted; what you typed stays on the screen and is saved again when it is back.',
};
const NO_ANSWER: ContractError = { code: 'internal', message: 'The part of Crisis Desk that keeps your records did not start in time.' };

export class CoreSupervisor {
  private child: CoreProcessLike | null = null;
  private state: CoreState = { status: 'stopped' };
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopping = false;
  private nextExport = 1;
  /** Exports handed to the core (export-to-path), answered by export-result or ended by the core going away. */
  private readonly exports = new Map<number, { child: CoreProcessLike; resolve: (e: Envelope<unknown>) => void }>();

  constructor(private readonly deps: CoreSupervisorDeps) {}

  get current(): CoreState {
    return this.state;
  }

  private set(state: CoreState): void {
    this.state = state;
    this.deps.onState(state);
  }

  start(): void {
    this.stopping = false;
    this.attempt++;
    this.set({ status: 'starting', attempt: this.attempt });
    let child: CoreProcessLike;
    try {
      child = this.deps.spawn();
    } catch {
      return this.failed({ code: 'internal', message: 'The part of Crisis Desk that keeps your records could not be started.' });
    }
    this.child = child;
    this.timer = setTimeout(() => {
      if (this.child !== child) return;
      this.child = null;
      child.kill();
      this.failed(NO_ANSWER);
    }, this.deps.startTimeoutMs ?? 60_000);
    child.on('message', (m) => this.receive(child, m as CoreLifecycleMessage));
    child.on('exit', () => {
      this.dropExports(child);
      if (this.child !== child) return;
      this.child = null;
      this.clearTimer();
      if (this.stopping) return this.set({ status: 'stopped' });
      this.failed(DIED);
    });
    child.postMessage(this.deps.init());
  }

  private receive(child: CoreProcessLike, m: CoreLifecycleMessage): void {
    if (this.child !== child || !m || typeof m !== 'object') return;
    switch (m.kind) {
      case 'ready':
        this.clearTimer();
        // A core that stays up for a while has recovered: later deaths start the delays afresh.
        this.timer = setTimeout(() => {
          this.timer = null;
          if (this.child === child) this.attempt = 1;
        }, this.deps.healthyAfterMs ?? HEALTHY_AFTER_MS);
        this.set({ status: 'ready', clientId: m.clientId });
        // A core that has just started knows nobody yet: before anything it is asked to do, it is told who is signed in.
        child.postMessage({ kind: 'session-changed', ...this.deps.session() } satisfies CoreLifecycleMessage);
        return;
      case 'fatal':
        this.child = null;
        this.clearTimer();
        child.kill();
        return this.failed(m.error);
      case 'token-request':
        void (m.reason === 'expired' ? this.deps.tokens.renew(m.userId) : this.deps.tokens.token(m.userId))
          .catch((): TokenAnswer => ({ accessToken: null, unreachable: true }))
          .then((answer) => {
            if (this.child === child) child.postMessage({ kind: 'token-response', id: m.id, accessToken: answer.accessToken, ...(answer.unreachable ? { unreachable: true } : {}) } satisfies CoreLifecycleMessage);
          });
        return;
      case 'sign-in-requested':
        return this.deps.onSignInRequested();
      case 'sign-out-requested':
        return this.deps.onSignOutRequested();
      case 'release-session':
        return typeof m.userId === 'string' ? this.deps.onReleaseSession(m.userId) : undefined;
      case 'status':
        return this.deps.onStatus({ waiting: m.waiting, conflicts: m.conflicts, rejected: m.rejected, lastSyncedAt: m.lastSyncedAt });
      case 'export-result': {
        const waiting = this.exports.get(m.id);
        if (!waiting || waiting.child !== child) return;
        this.exports.delete(m.id);
        return waiting.resolve(m.envelope);
      }
      default:
        return;
    }
  }

  /**
   * Has the core write a shift summary export to a path the person chose (app.saveExport). The
   * core checks it as it checks the screen's own calls. If the core goes away first, the answer
   * says so (the core's own temporary file is never renamed into place, so nothing half-written
   * is left where the person looks).
   */
  exportToPath(params: unknown): Promise<Envelope<unknown>> {
    const child = this.child;
    if (this.state.status !== 'ready' || !child) {
      return Promise.resolve({ ok: false, error: { code: 'core_unreachable', message: 'Crisis Desk’s core is not running just now: nothing was saved. Try again in a moment.' } });
    }
    const id = this.nextExport++;
    return new Promise((resolve) => {
      this.exports.set(id, { child, resolve });
      child.postMessage({ kind: 'export-to-path', id, params } satisfies CoreLifecycleMessage);
    });
  }

  /** Exports the core was writing when it went away: none of them finished. */
  private dropExports(child: CoreProcessLike): void {
    for (const [id, w] of this.exports) {
      if (w.child !== child) continue;
      this.exports.delete(id);
      w.resolve({ ok: false, error: { code: 'core_unreachable', message: 'Crisis Desk’s core stopped before the file was finished: nothing was saved. Export again once it is back.' } });
    }
  }

  private failed(error: ContractError): void {
    if (this.stopping) return this.set({ status: 'stopped' });
    if (hasErrorCode(error, ...PERMANENT)) return this.set({ status: 'failed', error, needsReset: hasErrorCode(error, 'db_wrong_key') });
    const delays = this.deps.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
    const delay = delays[this.attempt - 1];
    if (delay === undefined) return this.set({ status: 'failed', error, needsReset: false });
    this.set({ status: 'restarting', attempt: this.attempt, inMs: delay, error });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Hands the core one end of a screen's MessagePort pair. False when the core is not ready. */
  connect(port: unknown): boolean {
    if (this.state.status !== 'ready' || !this.child) return false;
    this.child.postMessage({ kind: 'connect' } satisfies CoreLifecycleMessage, [port]);
    return true;
  }

  sessionChanged(): void {
    if (this.state.status === 'ready') this.child?.postMessage({ kind: 'session-changed', ...this.deps.session() } satisfies CoreLifecycleMessage);
  }

  /** The clinician pressed "Try again" after the retries ran out (or after a reset). */
  retry(): void {
    if (this.child) return;
    this.clearTimer();
    this.attempt = 0;
    this.start();
  }

  stop(): void {
    this.stopping = true;
    this.clearTimer();
    const child = this.child;
    if (!child) return this.set({ status: 'stopped' });
    child.kill();
  }
}
