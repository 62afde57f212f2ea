import type { AuthorQueue, DirectoryProgress, SyncRefusal, SyncStatus } from '../../../shared/contract';
import { DESK_HEADER, PullResponse, PushResponse, SeqGap } from '../../../shared/sync/protocol';
import type { SyncIssues } from '../calls/conflicts';
import type { DeskSession } from '../session/desk-session';
import { fullJitterDelay, SYNC_BACKOFF, type BackoffPolicy } from './backoff';
import type { DirectorySync } from './directory-sync';
import { HintListener } from './hint-listener';
import type { ClaimedBatch, OutboxPush } from './outbox-push';
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
  /** Who uses the desk, whose sessions are kept, and the names of authors. */
  session: DeskSession;
  /** This install's id: the server caps open hint streams per desk by it. */
  clientId: string;
  now: () => Date;
  onStatus: (status: SyncStatus) => void;
  /** Called when a pull changed records on this desk (the screen refreshes its lists). */
  onRecordsChanged?: () => void;
  /** Called after each directory check that reached the server (caught up, replaced, or only checked: its "synced at" moved). */
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
  /** The attempt under way, for whoever must wait for it (signing out sends first). */
  current: Promise<void> | null;
  /** Asked for again while running; `urgent` when the asking should cut a backoff short. */
  again: false | 'when_due' | 'urgent';
  failures: number;
  retry: NodeJS.Timeout | null;
}

const PULL_PAGE = 500;

/**
 * Status events at most once a frame: the core used to emit one per saved change and per pushed
 * batch, each reading the outbox and the issue counts and crossing to the screen. A burst is
 * coalesced into one event, sent when the frame is up, computed then (the last state wins, so the
 * final state is never lost).
 */
export const STATUS_INTERVAL_MS = 16;

/**
 * The desk's sync: one push loop, one pull loop and one directory loop, each single-flight. They
 * run on a local write (push), on reconnect and on a server hint (all), and on a watchdog while
 * anything waits. Failures back off with full jitter (honouring Retry-After); while the server is
 * unreachable the desk is "offline since" and carries on. A refused session pauses sync until
 * someone signs in; an outdated desk pauses until it is updated. Nothing here ever drops a change.
 *
 * A desk used by several people in turn sends each one's changes in their own stream, only under
 * their own session: the signed-in person's first, then those of people who have left but whose
 * sessions are kept to send what they left waiting. When such a session has ended, or the server
 * will not take someone's changes at all, their changes wait in plain view (status `queues`)
 * instead of being retried unseen, until they sign in again; nobody else can send them.
 */
export class SyncEngine {
  private readonly tasks: Record<TaskName, Task> = {
    push: { running: false, current: null, again: false, failures: 0, retry: null },
    pull: { running: false, current: null, again: false, failures: 0, retry: null },
    directory: { running: false, current: null, again: false, failures: 0, retry: null },
  };
  /** Authors whose changes the server will not take (403: its reason), until they sign in again or sync is asked for. */
  private readonly refused = new Map<string, string>();
  private readonly hints: HintListener;
  private readonly controller = new AbortController();
  private watchdog: NodeJS.Timeout | null = null;
  private periodic: NodeJS.Timeout | null = null;
  private stopped = false;
  private state: Omit<SyncStatus, 'waiting' | 'conflicts' | 'rejected' | 'signedIn' | 'userName' | 'session' | 'queues'> = {
    connection: 'unknown',
    offlineSince: null,
    activity: 'idle',
    lastSyncedAt: null,
    paused: null,
    directoryProgress: null,
    lastRefusal: null,
  };
  private lastUser: string | null;
  /** When the last status event went out, and the one waiting to go (coalescing: STATUS_INTERVAL_MS). */
  private lastEmitAt = Number.NEGATIVE_INFINITY;
  private emitTimer: NodeJS.Timeout | null = null;
  /** A pull asked for while the push ran: it runs when the push ends. */
  private pullAfterPush: false | 'when_due' | 'urgent' = false;

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
        this.noteRefusal('hints', e);
      },
      onSignInRequired: () => {
        if (this.state.paused?.reason !== 'sign_in') this.pause('sign_in', 'Sign in to sync.');
      },
    }, deps.clientId);
    this.lastUser = deps.session.signedInId();
    deps.session.onChange(() => this.sessionChanged());
  }

  /** Someone signed in or out, or a kept session came or went. */
  private sessionChanged(): void {
    const user = this.deps.session.signedInId();
    const switched = user !== this.lastUser;
    this.lastUser = user;
    if (user) {
      this.refused.delete(user);
      if (this.state.paused?.reason === 'sign_in') this.state.paused = null;
    }
    this.releaseIdleSessions();
    this.emit();
    if (user) {
      // Hints and pulls are per person: a stream opened for the last one must not stay open for the next.
      if (switched) this.hints.restart();
      else this.hints.reconnectNow();
      this.kickAll();
    } else {
      // Nobody signed in: the hints of whoever was are not for whoever sits down next.
      if (switched) this.hints.restart();
      if (this.state.paused?.reason !== 'sign_in' && this.state.paused?.reason !== 'update_required') {
        const ended = this.deps.session.view().state === 'ended';
        this.pause('sign_in', ended ? 'Your session has ended: sign in to sync. Working on this desk carries on.' : 'Sign in to sync.');
      } else if (this.deps.session.kept().size > 0) {
        this.kick('push', true);
      }
    }
  }

  /** Kept sessions of people with nothing left waiting are given back at once: revoked and forgotten. */
  private releaseIdleSessions(): void {
    for (const userId of this.deps.session.kept()) {
      if (this.deps.outbox.pendingFor(userId) === 0) this.deps.tokens.releaseSession(userId);
    }
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
    if (this.emitTimer) clearTimeout(this.emitTimer);
    for (const t of Object.values(this.tasks)) if (t.retry) clearTimeout(t.retry);
  }

  /** A change was saved on this desk: push it (unless a backoff is already counting down). */
  localWrite(): void {
    this.emit();
    this.kick('push', false);
  }

  /** Everything now, whatever the backoff: the clinician asked, or the server is back. */
  kickAll(): void {
    this.refused.clear();
    this.kick('push', true);
    this.kick('directory', true);
    this.kick('pull', true);
  }

  status(): SyncStatus {
    const view = this.deps.session.view();
    // The server refused the session before the starter said so: it has ended, as far as anyone can tell.
    const session = view.state === 'signed_in' && this.state.paused?.reason === 'sign_in' ? { ...view, state: 'ended' as const } : view;
    const signedIn = session.state === 'signed_in';
    return {
      ...this.state,
      signedIn,
      userName: signedIn ? (session.user?.displayName ?? null) : null,
      waiting: this.deps.outbox.pendingCount(),
      ...this.deps.issues.counts(),
      session,
      queues: this.queues(),
    };
  }

  /** Changes waiting by author, with what each group waits for: the desk user's first, unclaimed last. */
  queues(): AuthorQueue[] {
    const me = this.deps.session.authorId();
    const groups = this.deps.outbox.waitingByAuthor();
    const rank = (a: string | null) => (a === me && a !== null ? 0 : a === null ? 2 : 1);
    return groups
      .sort((x, y) => rank(x.authorId) - rank(y.authorId))
      .map(({ authorId, waiting }): AuthorQueue => {
        const author = this.deps.session.author(authorId);
        if (authorId === null) return { author, waiting, state: 'unclaimed', reason: null };
        const refusal = this.refused.get(authorId);
        if (refusal) return { author, waiting, state: 'refused', reason: refusal };
        return { author, waiting, state: this.deps.session.canSend(authorId) ? 'sending' : 'sign_in_needed', reason: null };
      });
  }

  /**
   * Sends this person's waiting changes now and waits for them to reach the server, for at most
   * `withinMs` (signing out sends first). Resolves with how many of theirs are still waiting.
   */
  async sendNow(userId: string, withinMs: number): Promise<number> {
    const deadline = this.deps.now().getTime() + withinMs;
    const push = this.tasks.push;
    for (let attempt = 0; attempt < 3 && this.deps.outbox.pendingFor(userId) > 0 && !this.stopped; attempt++) {
      if (push.running && push.current) {
        await this.before(deadline, push.current);
        if (push.running) break; // still under way when the time ran out
      }
      const failuresBefore = push.failures;
      this.kick('push', true);
      if (!push.current) break; // paused
      await this.before(deadline, push.current);
      if (push.running || push.failures > failuresBefore) break;
    }
    return this.deps.outbox.pendingFor(userId);
  }

  private before(deadline: number, p: Promise<void>): Promise<void> {
    const left = deadline - this.deps.now().getTime();
    if (left <= 0) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, left)))]).finally(() => clearTimeout(timer));
  }

  /** The status changed: told at once if no event went out this frame, else once at the end of it. */
  private emit(): void {
    if (this.stopped || this.emitTimer) return;
    const wait = this.lastEmitAt + STATUS_INTERVAL_MS - performance.now();
    if (wait <= 0) return this.emitNow();
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null;
      this.emitNow();
    }, wait);
  }

  /** A coalesced event still waiting goes now. */
  private flushStatus(): void {
    if (!this.emitTimer) return;
    clearTimeout(this.emitTimer);
    this.emitTimer = null;
    this.emitNow();
  }

  private emitNow(): void {
    if (this.stopped) return;
    this.lastEmitAt = performance.now();
    this.deps.onStatus(this.status());
  }

  /** Runs a task now, or after it finishes if it is running; `urgent` cuts a backoff short. */
  private kick(name: TaskName, urgent: boolean): void {
    const t = this.tasks[name];
    const paused = this.state.paused;
    // A sequence gap stops only the push; an update stops everything. Waiting for the desk user to
    // sign in stops what is theirs (pulls, the directory), not the push of others' kept sessions.
    if (this.stopped) return;
    if (paused && paused.reason !== 'sign_in' && (paused.reason !== 'sequence_gap' || name === 'push')) return;
    if (paused?.reason === 'sign_in' && (name !== 'push' || this.deps.session.kept().size === 0)) return;
    if (name === 'pull' && this.tasks.push.running) {
      // A pull while changes go out would fetch them straight back (its cursor is behind them) and
      // compete with the push for the desk: on reconnecting after an outage of 1,000 changes it
      // parsed and compared all 1,000 while they were being sent. It runs once the push is done.
      this.pullAfterPush = urgent ? 'urgent' : this.pullAfterPush || 'when_due';
      return;
    }
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

  private run(name: TaskName): Promise<void> {
    const t = this.tasks[name];
    const attempt: Promise<void> = this.attempt(name).finally(() => {
      if (t.current === attempt) t.current = null;
    });
    t.current = attempt;
    return attempt;
  }

  private async attempt(name: TaskName): Promise<void> {
    const t = this.tasks[name];
    t.running = true;
    t.again = false;
    this.state.activity = name === 'push' ? 'pushing' : name === 'pull' ? 'pulling' : 'directory';
    this.emit();
    try {
      // A push that went through for some authors but was refused for another (403) is not
      // "accepted": the refusal it noted stays in the status until a push is taken whole.
      let refusedSome = false;
      if (name === 'push') refusedSome = await this.push();
      else if (name === 'pull') await this.pull();
      else await this.syncDirectory();
      t.failures = 0;
      this.reachable();
      if (!refusedSome) this.accepted(name);
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
    if (name === 'push' && this.pullAfterPush) {
      // The push's last state is told before the pull it held back starts (a page of records
      // applied would otherwise hold the coalesced event back by its own length).
      this.flushStatus();
      const urgent = this.pullAfterPush === 'urgent';
      this.pullAfterPush = false;
      this.kick('pull', urgent);
    }
  }

  /**
   * Each author's stream in turn, only under that author's session: the signed-in person's first,
   * then kept sessions. An author whose session has ended, or whose changes the server will not
   * take, is left for the status to show; the others' changes still go.
   */
  private async push(): Promise<boolean> {
    const me = this.deps.session.signedInId();
    const tried = new Set<string>();
    let signInNeeded: SignInRequired | null = null;
    let refusedSome = false;
    for (;;) {
      const sendable = this.deps.outbox
        .streams()
        .filter((s) => !tried.has(s.streamId) && !this.refused.has(s.authorId) && this.deps.session.canSend(s.authorId))
        .sort((a, b) => Number(b.authorId === me) - Number(a.authorId === me));
      const stream = sendable[0];
      if (!stream) break;
      tried.add(stream.streamId);
      try {
        const sent = await this.pushStream(stream.streamId, stream.authorId);
        if (!sent) return refusedSome;
      } catch (e) {
        if (e instanceof SignInRequired) {
          if (stream.authorId === me) signInNeeded = e;
          else this.deps.tokens.releaseSession(stream.authorId); // ended or revoked: theirs now wait for them
          continue;
        }
        if (e instanceof ServerRefused && e.status === 403) {
          this.refused.set(stream.authorId, e.message);
          this.noteRefusal('push', e);
          refusedSome = true;
          continue;
        }
        throw e;
      }
      if (stream.authorId !== me && this.deps.outbox.pendingFor(stream.authorId) === 0) this.deps.tokens.releaseSession(stream.authorId);
    }
    if (signInNeeded) throw signInNeeded;
    this.state.lastSyncedAt = this.deps.now().toISOString();
    // Still refused while a refused person's changes wait (they are not retried until they sign in again).
    return refusedSome || [...this.refused.keys()].some((a) => this.deps.outbox.pendingFor(a) > 0);
  }

  /**
   * Sends one stream until it is empty; false when sync paused meanwhile. Batches go one at a time
   * (the server applies a batch only right after the one before it), but the answers to one batch
   * are recorded while the server works on the next: a settle of 500 answers is some 20–30 ms the
   * desk no longer spends with the link idle. The next batch is claimed after the answered one,
   * before it is settled, so a crash between them only replays answers the server keeps.
   */
  private async pushStream(streamId: string, authorId: string): Promise<boolean> {
    let answered: PushResponse | null = null;
    let batch = this.deps.outbox.claim(streamId);
    if (!batch) return true;
    // desk.db's checkpoint waits for the end of the push instead of landing in a settle (OutboxPush.holdCheckpoints).
    const checkpoints = this.deps.outbox.holdCheckpoints();
    const settle = (answer: PushResponse) => {
      this.settleBatch(streamId, answer);
      checkpoints.settled();
    };
    try {
      while (batch) {
        const sending = this.sendBatch(batch, authorId);
        // Handled below (awaited); until then a failure must not count as unhandled.
        sending.catch(() => {});
        // Let the request go out before the desk is busy settling and claiming.
        await new Promise((resolve) => setImmediate(resolve));
        if (answered) {
          const previous: PushResponse = answered;
          answered = null;
          settle(previous);
        }
        // The next batch is claimed while this one is in flight, not after its answer: a durable
        // claim of 500 changes is 30–40 ms (each row rewritten), which the link used to wait for
        // between two batches. A claim only stops autosave rewriting those changes; if this send
        // fails they are sent (and counted) again later, and the server applies each seq once.
        const next = this.deps.outbox.claim(streamId, { afterSeq: batch.lastSeq });
        const answer = await sending;
        if (!answer) return false;
        answered = answer;
        batch = next;
      }
      return true;
    } finally {
      try {
        if (answered) settle(answered);
      } finally {
        // The status saying what went through goes out before the checkpoint the push held off.
        this.flushStatus();
        checkpoints.release();
      }
    }
  }

  /** One batch to the server: its answer, or null when the server says the stream is out of step (sync pauses). */
  private async sendBatch(batch: ClaimedBatch, authorId: string): Promise<PushResponse | null> {
    try {
      const answer = await this.deps.http.json('/v1/sync/push', (v) => PushResponse.parse(v), {
        method: 'POST',
        jsonText: batch.body,
        // This desk: the server does not hint it to pull back the changes it has just sent.
        headers: { [DESK_HEADER]: this.deps.clientId },
        signal: this.controller.signal,
        as: authorId,
      });
      this.reachable();
      return answer;
    } catch (e) {
      if (e instanceof ServerRefused && e.status === 409) {
        const gap = SeqGap.safeParse(e.body);
        this.pause('sequence_gap', `This desk’s changes are out of step with the server${gap.success ? ` (it expects change ${gap.data.expectedSeq})` : ''}. Nothing has been lost: keep working and call IT.`);
        return null;
      }
      throw e;
    }
  }

  private settleBatch(streamId: string, answer: PushResponse): void {
    this.deps.outbox.settle(streamId, answer.results, answer.lastSeq);
    this.emit();
  }

  /** The records the signed-in person may see, from their own cursor, under their own session. */
  private async pull(): Promise<void> {
    const me = this.deps.session.signedInId();
    if (!me) throw new SignInRequired();
    let changed = 0;
    for (;;) {
      const cursor = this.deps.pulled.cursor(me);
      const query = new URLSearchParams({ limit: String(PULL_PAGE), ...(cursor ? { cursor } : {}) });
      const page = await this.deps.http.json(`/v1/sync/records?${query}`, (v) => PullResponse.parse(v), { signal: this.controller.signal, as: me });
      // Someone else signed in meanwhile: this page is not theirs to file under their cursor.
      if (this.deps.session.signedInId() !== me) return;
      changed += this.deps.pulled.apply(page.records, page.cursor, me);
      if (!page.more) break;
    }
    if (changed > 0) this.deps.onRecordsChanged?.();
  }

  private async syncDirectory(): Promise<void> {
    const result = await this.deps.directory.run(this.controller.signal);
    if (result !== 'not_published') this.deps.onDirectoryChanged?.();
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
      this.noteRefusal(name, e);
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
  private noteRefusal(task: SyncRefusal['task'], e: ServerRefused): void {
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
    this.emit();
    // Others' kept sessions still send theirs while the desk user is asked to sign in.
    if (reason === 'sign_in' && this.deps.session.kept().size > 0) this.kick('push', false);
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
