import { fork, type ChildProcess } from 'node:child_process';
import type { CoreLifecycleMessage, Envelope, SyncStatus, WireMessage } from '../../shared/contract';
import type { DeskUser } from '../../shared/domain/people';

export interface DeskProcessOptions {
  /** The bundled core entry (electron/core/entry.ts through esbuild). */
  entry: string;
  dataDir: string;
  geoDir: string;
  keyHex: string;
  serverUrl: string;
  /** Who is signed in: told to the core once it is ready, as Electron main does. */
  user: DeskUser;
  token: () => Promise<string>;
}

/**
 * A desk core in its own process, as Electron runs it: started with the init message, answering
 * contract calls over IPC, asking this test for tokens. Killed with SIGKILL by its own pid.
 */
export class DeskProcess {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (e: Envelope<unknown>) => void>();
  lastStatus: SyncStatus | null = null;
  private statusListeners: ((s: SyncStatus) => void)[] = [];

  constructor(private readonly opts: DeskProcessOptions) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = fork(this.opts.entry, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = child;
    this.lastStatus = null;
    child.on('message', (raw) => {
      const m = raw as WireMessage | CoreLifecycleMessage;
      if (m.kind === 'result') {
        this.pending.get(m.id)?.(m.envelope);
        this.pending.delete(m.id);
      } else if (m.kind === 'event' && m.event === 'sync.status') {
        this.lastStatus = m.payload as SyncStatus;
        for (const l of this.statusListeners) l(this.lastStatus);
      } else if (m.kind === 'token-request') {
        void this.opts.token().then((accessToken) => {
          // A desk killed meanwhile cannot take it: the send fails, and that is fine.
          if (this.running) child.send({ kind: 'token-response', id: m.id, accessToken } satisfies CoreLifecycleMessage, () => {});
        });
      }
    });
    child.on('exit', () => {
      for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: 'core_unreachable', message: 'the core exited' } });
      this.pending.clear();
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        const m = raw as CoreLifecycleMessage;
        if (m.kind === 'ready') {
          const { user } = this.opts;
          child.send({ kind: 'session-changed', signedIn: true, userName: user.displayName, user, kept: [] } satisfies CoreLifecycleMessage, () => {});
          resolve();
        }
        if (m.kind === 'fatal') reject(new Error(`core fatal: ${m.error.message}`));
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`core exited (${code}) before it was ready`)));
    });
    child.send({
      kind: 'init',
      dataDir: this.opts.dataDir,
      geoDir: this.opts.geoDir,
      deskKeyHex: this.opts.keyHex,
      serverUrl: this.opts.serverUrl,
      syncTuning: { timeoutMs: 2000, idleTimeoutMs: 2000, watchdogMs: 250, backoffBaseMs: 50, backoffCapMs: 800 },
    } satisfies CoreLifecycleMessage);
    await ready;
  }

  call(method: string, params: unknown = {}): Promise<Envelope<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.running) return resolve({ ok: false, error: { code: 'core_unreachable', message: 'not running' } });
      this.pending.set(id, resolve);
      // Killed a moment ago but not yet reaped: the channel is closed (EPIPE), so the call fails as
      // it would against a dead core.
      this.child!.send({ kind: 'call', id, method, params } satisfies WireMessage, (e) => {
        if (!e || !this.pending.has(id)) return;
        this.pending.delete(id);
        resolve({ ok: false, error: { code: 'core_unreachable', message: `the core cannot be reached (${e.message})` } });
      });
    });
  }

  async must<T>(method: string, params: unknown = {}): Promise<T> {
    const r = await this.call(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  }

  /** Resolves when a status matching the check arrives (or the current one already matches). */
  whenStatus(check: (s: SyncStatus) => boolean, timeoutMs: number): Promise<SyncStatus | null> {
    if (this.lastStatus && check(this.lastStatus)) return Promise.resolve(this.lastStatus);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.statusListeners = this.statusListeners.filter((l) => l !== listener);
        resolve(null);
      }, timeoutMs);
      const listener = (s: SyncStatus) => {
        if (!check(s)) return;
        clearTimeout(timer);
        this.statusListeners = this.statusListeners.filter((l) => l !== listener);
        resolve(s);
      };
      this.statusListeners.push(listener);
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
