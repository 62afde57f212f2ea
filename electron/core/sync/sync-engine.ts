import type { DirectoryProgress, SyncRefusal, SyncStatus } from '../../../shared/contract';
import { PullResponse, PushResponse, SeqGap } from '../../../shared/sync/protocol';
import type { SyncIssues } from '../calls/conflicts';
import { fullJitterDelay, SYNC_BACKOFF, type BackoffPolicy } from './backoff';
import type { DirectorySync } from './directory-sync';
import { HintListener } from './hint-listener';
import type { OutboxPush } from './outbox-push';
import type { PulledRecords } from './pulled-records';
import { ServerRefused, ServerUnreachable, SignInRequired, UpdateRequired, type SyncHttp } from './sync-http';
import type { TokenSource } from './token-source';

export interface SyncEngineDeps {
  http: SyncHttp;
  tokens: TokenSource;
  outbox: OutboxPush;
  pulled: PulledRecords;
  directory: DirectorySync;
  issues: SyncIssues;
  clientId: string;
  now: () => Date;
  onStatus: (status: SyncStatus) => void;
  /** Called when a pull changed records on this desk (the screen refreshes its lists). */
  onRecordsChanged?: () => void;
  /** Called when the directory changed (caught up or replaced). */
  onDirectoryChanged?: () => void;
  /** Told about unexpected errors (bugs), without patient data; sync backs off and retries. */
  onError?: (e: Error) => void;
  /** How often to look for work anyway, in case a hint was missed. */
  watchdogMs?: number;
  backoff?: BackoffPolicy;
  /** How often to check the directory and pull without a hint. */
  periodicMs?: number;
}

type TaskName = 'push' | 'pull' | 'directory';

interface Task {
  running: boolean;
  /** Asked for again while running; `urgent` when the asking should cut a backoff short. */
  again: false | 'when_due' | 'urgent';
  failures: number;
  retry: NodeJS.Timeout | null;
}

const PULL_PAGE = 500;

/**
 * The desk's sync: one push loop, one pull loop and one directory loop, each single-flight. They
 * run on a local write (push), on reconnect and on a server hint (all), and on a watchdog while
 * anything waits. Failures back off with full jitter (honouring Retry-After); while the server is
 * unreachable the desk is "offline since" and carries on. A refused session pauses sync until
 * someone signs in; an outdated desk pauses until it is updated. Nothing here ever drops a change.
 */
export class SyncEngine {
  private readonly tasks: Record<TaskName, Task> = {
    push: { running: false, again: false, failures: 0, retry: null },
    pull: { running: false, again: false, failures: 0, retry: null },
    directory: { running: false, again: false, failures: 0, retry: null },
  };
  private readonly hints: HintListener;
  private readonly controller = new AbortController();
  private watchdog: NodeJS.Timeout | null = null;
  private periodic: NodeJS.Timeout | null = null;
  private stopped = false;
  private state: Omit<SyncStatus, 'waiting' | 'conflicts' | 'rejected'> = {
    connection: 'unknown',
    offlineSince: null,
    activity: 'idle',
    lastSyncedAt: null,
    paused: null,
    signedIn: false,
    userName: null,
    directoryProgress: null,
    lastRefusal: null,
  };

  constructor(private readonly deps: SyncEngineDeps) {
    this.hints = new HintListener(deps.http, deps.backoff ?? SYNC_BACKOFF, {
      onHint: (h) => {
        if (h.kind === 'ready') this.kickAll();
        else if (h.kind === 'records') this.kick('pull', true);
        else this.kick('directory', true);
      },
      onConnected: () => {
        this.reachable();
        this.accepted('hints');
      },
      onUnreachable: () => this.unreachable(),
      onRefused: (e) => {
        // It answered: reachable, not offline; the status says what it refused and why.
        this.reachable();
        this.refused('hints', e);
      },
      onSignInRequired: () => this.pause('sign_in', 'Sign in to sync.'),
    }, deps.clientId);
    deps.tokens.onSessionChanged((session) => {
      this.state.signedIn = session.signedIn;
      this.state.userName = session.userName;
      if (session.signedIn && this.state.paused?.reason === 'sign_in') this.state.paused = null;
      this.emit();
      if (session.signedIn) {
        this.hints.reconnectNow();
        this.kickAll();
      } else {
        // Signed out: the hints stream opened with the last session's token closes now (it used to
        // be cut by the request timeout, which is how a sign-out came to pause sync).
        this.hints.reopen();
      }
    });
  }

  start(): void {
    this.hints.start();
    this.kickAll();
    this.watchdog = setInterval(() => {
      if (this.deps.outbox.pendingCount() > 0) this.kick('push', false);
    }, this.deps.watchdogMs ?? 30_000);
    this.periodic = setInterval(() => {
      this.kick('directory', false);
      this.kick('pull', false);
    }, this.deps.periodicMs ?? 10 * 60_000);
    this.watchdog.unref?.();
    this.periodic.unref?.();
  }

  stop(): void {
    this.stopped = true;
    this.controller.abort();
    this.hints.stop();
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.periodic) clearInterval(this.periodic);
    for (const t of Object.values(this.tasks)) if (t.retry) clearTimeout(t.retry);
  }

  /** A change was saved on this desk: push it (unless a backoff is already counting down). */
  localWrite(): void {
    this.emit();
    this.kick('push', false);
  }

  /** Everything now, whatever the backoff: the clinician asked, or the server is back. */
  kickAll(): void {
    this.kick('push', true);
    this.kick('directory', true);
    this.kick('pull', true);
  }

  status(): SyncStatus {
    return { ...this.state, waiting: this.deps.outbox.pendingCount(), ...this.deps.issues.counts() };
  }

  private emit(): void {
    if (!this.stopped) this.deps.onStatus(this.status());
  }

  /** Runs a task now, or after it finishes if it is running; `urgent` cuts a backoff short. */
  private kick(name: TaskName, urgent: boolean): void {
    const t = this.tasks[name];
    const paused = this.state.paused;
    // A sequence gap stops only the push; a sign-in or an update stops everything.
    if (this.stopped || (paused && (paused.reason !== 'sequence_gap' || name === 'push'))) return;
    if (t.running) {
      // An attempt that then fails leaves a backoff behind: an urgent ask must still get through.
      t.again = urgent ? 'urgent' : t.again || 'when_due';
      return;
    }
    if (t.retry) {
      if (!urgent) return;
      clearTimeout(t.retry);
      t.retry = null;
    }
    void this.run(name);
  }

  private async run(name: TaskName): Promise<void> {
    const t = this.tasks[name];
    t.running = true;
    t.again = false;
    this.state.activity = name === 'push' ? 'pushing' : name === 'pull' ? 'pulling' : 'directory';
    this.emit();
    try {
      if (name === 'push') await this.push();
      else if (name === 'pull') await this.pull();
      else await this.syncDirectory();
      t.failures = 0;
      this.reachable();
      this.accepted(name);
    } catch (e) {
      if (this.stopped) return;
      this.failed(name, e as Error);
    } finally {
      t.running = false;
      this.state.activity = 'idle';
      this.emit();
    }
    const again = t.again;
    t.again = false;
    if (again) this.kick(name, again === 'urgent');
  }

  private async push(): Promise<void> {
    for (;;) {
      const batch = this.deps.outbox.claim();
      if (!batch) {
        this.state.lastSyncedAt = this.deps.now().toISOString();
        return;
      }
      let answer: PushResponse;
      try {
        answer = await this.deps.http.json('/v1/sync/push', (v) => PushResponse.parse(v), {
          method: 'POST',
          json: { clientId: this.deps.clientId, mutations: batch.mutations, pending: batch.pendingAfter },
          signal: this.controller.signal,
        });
      } catch (e) {
        if (e instanceof ServerRefused && e.status === 409) {
          const gap = SeqGap.safeParse(e.body);
          this.pause('sequence_gap', `This desk’s changes are out of step with the server${gap.success ? ` (it expects change ${gap.data.expectedSeq})` : ''}. Nothing has been lost: keep working and call IT.`);
          return;
        }
        throw e;
      }
      this.reachable();
      this.deps.outbox.settle(answer.results, answer.lastSeq);
      this.emit();
    }
  }

  private async pull(): Promise<void> {
    let changed = 0;
    for (;;) {
      const cursor = this.deps.pulled.cursor();
      const query = new URLSearchParams({ limit: String(PULL_PAGE), ...(cursor ? { cursor } : {}) });
      const page = await this.deps.http.json(`/v1/sync/records?${query}`, (v) => PullResponse.parse(v), { signal: this.controller.signal });
      changed += this.deps.pulled.apply(page.records, page.cursor);
      if (!page.more) break;
    }
    if (changed > 0) this.deps.onRecordsChanged?.();
  }

  private async syncDirectory(): Promise<void> {
    const result = await this.deps.directory.run(this.controller.signal);
    if (result === 'caught_up' || result === 'bootstrapped') this.deps.onDirectoryChanged?.();
  }

  /** Progress of a directory download, for the status bar's progress bar. */
  directoryProgress(p: DirectoryProgress | null): void {
    this.state.directoryProgress = p;
    this.emit();
  }

  private failed(name: TaskName, e: Error): void {
    const t = this.tasks[name];
    if (e instanceof SignInRequired) return this.pause('sign_in', e.message);
    if (e instanceof UpdateRequired) return this.pause('update_required', e.message);
    if (e instanceof ServerUnreachable) this.unreachable();
    else if (e instanceof ServerRefused) {
      this.reachable();
      this.refused(name, e);
    } else this.deps.onError?.(e);
    t.failures++;
    const asked = e instanceof ServerRefused ? e.retryAfterMs : null;
    const delay = Math.max(asked ?? 0, fullJitterDelay(t.failures - 1, this.deps.backoff ?? SYNC_BACKOFF));
    t.retry = setTimeout(() => {
      t.retry = null;
      void this.run(name);
    }, delay);
    t.retry.unref?.();
  }

  /** The server refused this part of sync: kept in the status, with its reason, until it next succeeds. */
  private refused(task: SyncRefusal['task'], e: ServerRefused): void {
    this.state.lastRefusal = { task, status: e.status, code: e.code, message: e.message, at: this.deps.now().toISOString() };
    this.emit();
  }

  private accepted(task: SyncRefusal['task']): void {
    if (this.state.lastRefusal?.task !== task) return;
    this.state.lastRefusal = null;
    this.emit();
  }

  private pause(reason: NonNullable<SyncStatus['paused']>['reason'], message: string): void {
    this.state.paused = { reason, message };
    if (reason === 'sign_in') this.state.signedIn = false;
    this.emit();
  }

  private reachable(): void {
    const wasOffline = this.state.connection === 'offline';
    this.state.connection = 'online';
    this.state.offlineSince = null;
    if (wasOffline) {
      this.emit();
      // Back online: whatever was waiting for the network goes now.
      this.kickAll();
    }
  }

  private unreachable(): void {
    if (this.state.connection !== 'offline') {
      this.state.connection = 'offline';
      this.state.offlineSince = this.deps.now().toISOString();
      this.emit();
    }
  }
}
