import { createHmac } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CoreError, type CoreEvents, type Envelope, type EventName, type SyncStatus } from '../../shared/contract';
import type { DirectoryService } from '../../shared/domain/directory';
import { englandAndWalesCalendar, type BankHolidayCalendar } from '../../shared/lib/bank-holidays';
import { AuditLog } from './audit/audit-log';
import { CallStore } from './calls/call-store';
import { SyncIssues } from './calls/conflicts';
import { OpenCallMemory } from './calls/open-call';
import { openDeskDb, openDeskReader, type DeskDb } from './db/desk-db';
import { describeStorageError, type StorageContext } from './db/sqlite-errors';
import { outboxSql } from './db/tables/outbox-sql';
import { DirectoryDb } from './directory/directory-db';
import { ProblemReports } from './directory/problem-reports';
import { LazyPostcodeCentroids } from './directory/postcode-centroids';
import { dispatch, type Handlers } from './dispatch';
import { DirectorySync } from './sync/directory-sync';
import { OutboxPush } from './sync/outbox-push';
import { PulledRecords } from './sync/pulled-records';
import { DeskSession } from './session/desk-session';
import { markStart } from './start-steps';
import { SyncEngine } from './sync/sync-engine';
import { SyncHttp } from './sync/sync-http';
import { ShiftSummaries } from './summaries/shift-summaries';
import { TeamContextStore } from './summaries/team-context-store';
import { TeamRecords } from './summaries/team-records';
import { WaitingChanges } from './sync/waiting-changes';
import type { BackoffPolicy } from './sync/backoff';
import type { TokenSource } from './sync/token-source';

export interface SyncOptions {
  /** The central API, e.g. https://crisis-desk.trust.nhs.uk */
  serverUrl: string;
  tokens: TokenSource;
  fetch?: typeof fetch;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  watchdogMs?: number;
  backoff?: BackoffPolicy;
}

export interface CoreOptions {
  /** Folder holding desk.db and directory.db. */
  dataDir: string;
  /** The 32-byte desk.db key, given by whoever starts the core (never read from disk here). */
  deskKey: Buffer;
  /** Folder with the postcode centroid tables (data/geo in the repository). */
  geoDir: string;
  appVersion?: string;
  now?: () => Date;
  calendar?: BankHolidayCalendar;
  /** Sync with the central API; without it the desk works entirely offline. */
  sync?: SyncOptions;
  /** Told about unexpected errors, without patient data; defaults to stderr. */
  logError?: (message: string) => void;
}

type Listener = (payload: unknown) => void;

/** A full disk met by sync is said again at most this often (it is retried with backoff meanwhile). */
const STORAGE_WARNING_EVERY_MS = 5 * 60_000;

/** Keys derived from the desk key for purposes other than encrypting desk.db. */
function deriveKey(deskKey: Buffer, purpose: string): Buffer {
  return createHmac('sha256', deskKey).update(`crisis-desk:${purpose}`).digest();
}

/** How long signing out waits for the person's changes to reach the server before it goes ahead. */
const SIGN_OUT_SEND_MS = 8000;

const NOT_CONFIGURED: Omit<SyncStatus, 'session' | 'queues' | 'waiting'> = {
  connection: 'unknown',
  offlineSince: null,
  activity: 'idle',
  lastSyncedAt: null,
  conflicts: 0,
  rejected: 0,
  paused: { reason: 'not_configured', message: 'This desk has no server configured: it works offline only.' },
  signedIn: false,
  userName: null,
  directoryProgress: null,
};

/**
 * The desk's core: its two databases, sync, and every method of the contract. Transport-free:
 * the Electron utility process, the browser host and the tests all drive it through handle().
 */
export class Core {
  private readonly listeners = new Map<EventName, Set<Listener>>();
  private readonly pendingWarnings: CoreEvents['core.warning'][] = [];
  private lastStorageWarning = { message: '', at: 0 };
  private readonly handlers: Handlers;
  private directoryDb: DirectoryDb;
  readonly calls: CallStore;
  readonly audit: AuditLog;
  readonly issues: SyncIssues;
  readonly openCall: OpenCallMemory;
  readonly session: DeskSession;
  readonly sync: SyncEngine | null;
  readonly summaries: ShiftSummaries;
  readonly reports: ProblemReports;
  private readonly waiting: WaitingChanges;
  private http: SyncHttp | null = null;

  private constructor(
    private readonly opts: Required<Omit<CoreOptions, 'calendar' | 'logError' | 'sync'>> & Pick<CoreOptions, 'logError' | 'sync'>,
    readonly desk: DeskDb,
    private readonly postcodes: LazyPostcodeCentroids,
    private readonly calendar: BankHolidayCalendar,
  ) {
    this.directoryDb = DirectoryDb.open(this.directoryFile, postcodes, calendar);
    markStart('directory-opened');
    this.audit = new AuditLog(desk.db, deriveKey(opts.deskKey, 'audit'));
    this.session = new DeskSession(desk.db, this.audit, opts.now, opts.sync?.tokens ?? null);
    this.calls = new CallStore(desk.db, { clientId: desk.clientId, now: opts.now, audit: this.audit, authors: this.session });
    this.issues = new SyncIssues(desk.db, this.calls, this.audit, opts.now, this.session);
    this.waiting = new WaitingChanges(desk.db);
    this.reports = new ProblemReports(desk.db, {
      now: opts.now,
      audit: this.audit,
      reporter: { authorId: () => this.session.authorId(), teamId: () => this.session.view().user?.teamId ?? null },
    });
    this.openCall = new OpenCallMemory(desk.db, this.calls);
    // Another person at the desk (a sign-out, or someone else signing in): a fresh tab must not
    // reopen the last person's caller. A session that only ended keeps its desk user, and the call.
    let deskUser = this.session.view().user?.userId ?? null;
    this.session.onChange(() => {
      const now = this.session.view().user?.userId ?? null;
      if (now !== deskUser) {
        this.openCall.remember(null);
        // An export the last person asked for is not finished for the next one.
        this.summaries.cancelAll();
      }
      deskUser = now;
    });
    this.sync = opts.sync ? this.createSync(opts.sync) : null;
    this.summaries = new ShiftSummaries({
      records: new TeamRecords(desk.db),
      openReader: () => openDeskReader(path.join(opts.dataDir, 'desk.db'), opts.deskKey),
      contexts: new TeamContextStore(desk.db, opts.now),
      directory: () => this.directoryDb,
      audit: this.audit,
      clientId: desk.clientId,
      appVersion: opts.appVersion,
      now: opts.now,
      http: () => this.http,
      session: () => this.session.view(),
      emit: (event, payload) => this.emit(event, payload),
      localReports: (teamId, from) => this.reports.teamReports(teamId, from),
    });
    this.handlers = this.createHandlers();
  }

  /**
   * Opens the desk's files and starts it. A full (or failing) disk at start, met while creating the
   * folder, opening or migrating desk.db or opening directory.db, is thrown as a CoreError that
   * says so and what to do.
   */
  static open(options: CoreOptions): Core {
    if (options.deskKey.length !== 32) throw new CoreError('db_wrong_key', 'The desk key must be 32 bytes.');
    const atStart = <T>(step: () => T): T => {
      try {
        return step();
      } catch (e) {
        const storage = describeStorageError(e, { dataDir: options.dataDir, when: 'start' });
        throw storage ? new CoreError(storage.code, storage.message) : e;
      }
    };
    atStart(() => mkdirSync(options.dataDir, { recursive: true }));
    const postcodes = new LazyPostcodeCentroids(options.geoDir);
    const desk = atStart(() => openDeskDb(path.join(options.dataDir, 'desk.db'), options.deskKey));
    markStart('desk-db-opened');
    let core: Core;
    try {
      core = atStart(
        () =>
          new Core(
            { ...options, now: options.now ?? (() => new Date()), appVersion: options.appVersion ?? '0.0.0-dev' },
            desk,
            postcodes,
            options.calendar ?? englandAndWalesCalendar(),
          ),
      );
    } catch (e) {
      desk.db.close();
      throw e;
    }
    core.pendingWarnings.push(...desk.warnings);
    core.sync?.start();
    return core;
  }

  get directory(): DirectoryDb {
    return this.directoryDb;
  }

  private get directoryFile(): string {
    return path.join(this.opts.dataDir, 'directory.db');
  }

  private createSync(o: SyncOptions): SyncEngine {
    const http = new SyncHttp({ serverUrl: o.serverUrl, tokens: o.tokens, fetch: o.fetch, timeoutMs: o.timeoutMs, idleTimeoutMs: o.idleTimeoutMs });
    this.http = http;
    let engine: SyncEngine | null = null;
    const directory = new DirectorySync(
      http,
      { current: () => this.directoryDb, install: (file) => this.installDirectory(file) },
      this.opts.dataDir,
      (p) => engine?.directoryProgress(p),
      this.opts.now,
      (m) => (this.opts.logError ?? ((line: string) => process.stderr.write(`${line}\n`)))(`directory sync: ${m}`),
    );
    engine = new SyncEngine({
      http,
      tokens: o.tokens,
      outbox: new OutboxPush(this.desk.db, this.opts.now, (id, outcome) => this.reports.settled(id, outcome)),
      pulled: new PulledRecords(this.desk.db, (a) => this.session.rememberName(a), this.opts.now),
      directory,
      issues: this.issues,
      session: this.session,
      clientId: this.desk.clientId,
      now: this.opts.now,
      watchdogMs: o.watchdogMs,
      backoff: o.backoff,
      onStatus: (s) => this.emit('sync.status', s),
      onDirectoryChanged: () => this.emit('directory.updated', this.directoryDb.info()),
      onRecordsChanged: () => this.emit('sync.recordsChanged', { at: this.opts.now().toISOString() }),
      onError: (e) => this.syncFailed(e),
    });
    return engine;
  }

  /** The status of a desk with no server: everything is kept here, and unclaimed (nobody can sign in). */
  private offlineStatus(): SyncStatus {
    const waiting = outboxSql(this.desk.db).countWaiting.get() as number;
    return { ...NOT_CONFIGURED, waiting, session: this.session.view(), queues: [] };
  }

  /** Replaces directory.db with a verified new file; desk.db is not involved. */
  private installDirectory(file: string): void {
    this.directoryDb.close();
    for (const suffix of ['-wal', '-shm']) rmSync(this.directoryFile + suffix, { force: true });
    renameSync(file, this.directoryFile);
    this.directoryDb = DirectoryDb.open(this.directoryFile, this.postcodes, this.calendar);
    // A desk already warmed up reads the new file's terms now, not never (words would stay prefixes).
    if (this.warmed) this.warmDirectory();
  }

  private createHandlers(): Handlers {
    const now = this.opts.now;
    // After a change to a call record, sync pushes it (when a server is configured).
    const written = <T>(value: T): T => {
      this.sync?.localWrite();
      return value;
    };
    const status = (): SyncStatus => this.sync?.status() ?? this.offlineStatus();
    return {
      'system.info': () => ({
        appVersion: this.opts.appVersion,
        clientId: this.desk.clientId,
        deskSchemaVersion: this.desk.schemaVersion,
        directory: this.directoryDb.info(),
      }),
      'directory.search': (p) => {
        const result = this.directoryDb.search(p, p.openAt ? new Date(p.openAt) : now());
        this.searchAnswered?.();
        return { ...result, results: this.withLocalReports(result.results) };
      },
      'directory.get': (p) => {
        const [found] = this.withLocalReports([this.directoryDb.get(p.id, p.openAt ? new Date(p.openAt) : now())]);
        return found!;
      },
      'directory.report': (p) => {
        const { service } = this.directoryDb.get(p.serviceId, now());
        return written(this.reports.report(p, service));
      },
      'directory.lookupPostcode': (p) => this.directoryDb.lookupPostcode(p.postcode),
      'calls.create': (p) => written(this.calls.create(p)),
      'calls.save': (p) => written(this.calls.save(p)),
      'calls.get': (p) => this.calls.get(p.id),
      'calls.list': (p) => this.calls.list(p),
      'calls.finalise': (p) => written(this.calls.finalise(p)),
      'calls.addAddendum': (p) => written(this.calls.addAddendum(p)),
      'calls.discard': (p) => written(this.calls.discard(p)),
      'calls.revisions': (p) => this.calls.revisions(p.id),
      'calls.openOnDesk': () => this.openCall.current(),
      'calls.setOpenOnDesk': (p) => this.openCall.remember(p.id),
      'audit.verify': () => this.audit.verify(),
      'sync.status': status,
      'sync.now': () => {
        this.sync?.kickAll();
        return status();
      },
      'sync.conflicts': () => this.issues.conflicts(),
      'sync.resolveConflict': (p) => written(this.issues.resolve(p)),
      'sync.rejections': (p) => this.issues.rejections(p.includeAcknowledged),
      'sync.acknowledgeRejection': (p) => this.issues.acknowledgeRejection(p.mutationId),
      'summaries.teams': () => this.summaries.teams(),
      'summaries.teamContext': (p) => this.summaries.teamContext(p.teamId, p.refresh === true),
      'summaries.shift': (p) => this.summaries.shift(p.teamId, new Date(p.from), new Date(p.to)),
      'summaries.export': (p) => this.summaries.export({ ...p, from: new Date(p.from), to: new Date(p.to) }),
      'summaries.cancelExport': (p) => ({ cancelled: this.summaries.cancel(p.exportId) }),
      'sync.waiting': () => this.waiting.groups(status().queues),
      'sync.claim': (p) => {
        const me = this.session.signedInId();
        if (!me) throw new CoreError('not_signed_in', 'Sign in first: changes made while nobody was signed in can only be claimed by the person signed in on this desk.');
        const claimed = written(this.calls.claim(p.recordIds, me));
        return { claimed, status: status() };
      },
      'auth.signIn': () => ({ openUrl: this.opts.sync?.tokens.requestSignIn() ?? null, status: status() }),
      'auth.signOut': async () => {
        // What they leave waiting goes first, while they are still signed in; the rest keeps going under their kept session.
        const me = this.session.signedInId();
        if (me && this.sync) await this.sync.sendNow(me, SIGN_OUT_SEND_MS);
        this.session.signOut();
        // Signing out is someone leaving the desk (an expired session is not): the next person's
        // fresh tab must not reopen this caller, whoever was or was not signed in.
        this.openCall.remember(null);
        return status();
      },
    };
  }

  /**
   * This desk's own reports on the services shown, until the directory it holds carries them: the
   * clinician who reported a problem sees it at once, before any sync.
   */
  private withLocalReports<T extends { service: DirectoryService }>(items: T[]): T[] {
    const local = this.reports.localFor(
      items.map((i) => i.service.id),
      Number(this.directoryDb.info().version ?? 0),
    );
    if (local.size === 0) return items;
    return items.map((i) => {
      const mine = local.get(i.service.id);
      if (!mine) return i;
      const published = new Set((i.service.openReports ?? []).map((r) => r.id));
      const extra = mine.filter((r) => !published.has(r.id));
      return extra.length === 0 ? i : { ...i, service: { ...i.service, openReports: [...(i.service.openReports ?? []), ...extra] } };
    });
  }

  private storage(when: StorageContext['when']): StorageContext {
    return { dataDir: this.opts.dataDir, when };
  }

  /**
   * Sync failed for a reason other than the network: a full disk (storing pulled records or the
   * directory) is told to the clinician as a warning, and retried by sync; anything else is logged.
   */
  private syncFailed(e: unknown): void {
    const storage = describeStorageError(e, this.storage('sync'));
    if (!storage) return this.logError(e);
    const at = this.opts.now().getTime();
    if (storage.message === this.lastStorageWarning.message && at - this.lastStorageWarning.at < STORAGE_WARNING_EVERY_MS) return;
    this.lastStorageWarning = { message: storage.message, at };
    this.emit('core.warning', { code: storage.code, message: storage.message });
  }

  /** Answers one call from the screen; never throws. */
  handle(method: unknown, params: unknown): Promise<Envelope<unknown>> {
    return dispatch(this.handlers, method, params, (e) => this.logError(e), this.storage('save'));
  }

  on<E extends EventName>(event: E, listener: (payload: CoreEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    if (event === 'core.warning') for (const w of this.pendingWarnings.splice(0)) (listener as Listener)(w);
    return () => set.delete(listener as Listener);
  }

  emit<E extends EventName>(event: E, payload: CoreEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  private logError(e: unknown): void {
    // Only the error's kind and where it came from: messages can quote record content.
    const err = e as { name?: string; code?: string; stack?: string };
    const where = err.stack?.split('\n').slice(1, 4).join(' | ') ?? '';
    (this.opts.logError ?? ((m: string) => process.stderr.write(`${m}\n`)))(`core: unexpected ${err.name ?? 'error'} ${err.code ?? ''} at ${where}`);
  }

  /** Set by warmUpWhenSearchesPause until the desk has warmed up: told of each search answered. */
  private searchAnswered: (() => void) | null = null;
  /** Warmed up once: a directory file installed later is warmed at once (installDirectory). */
  private warmed = false;

  /**
   * Warms up once the screen is in use and the clinician pauses: `pauseMs` after the last search
   * answered (typing searches at every key), or after `fallbackMs` when no search comes. Done as
   * soon as the desk answered, the postcode tables' 70 ms (more on a busy machine) held up the
   * screen's files and its first search; done just after the first search, they held up the next
   * one, typed meanwhile ("sa" answered, then "sanct" waited behind 200–450 ms of tables on a busy
   * machine: the screen bench's start → usable, 7 December).
   */
  warmUpWhenSearchesPause(fallbackMs = 5000, pauseMs = 500): void {
    const warm = () => {
      this.searchAnswered = null;
      this.warmUp();
    };
    let timer = setTimeout(warm, fallbackMs);
    timer.unref();
    this.searchAnswered = () => {
      clearTimeout(timer);
      // Not before the answer has been sent, nor while the next key's search is on its way.
      timer = setTimeout(warm, pauseMs);
      timer.unref();
    };
  }

  /**
   * Work left out of open() so that the desk answers sooner, done once it is up: the postcode
   * tables, and the terms of the directory's full-text index (DirectoryDb.warm). Safe to skip (the
   * first postcode search reads the tables; words are asked for as prefixes until the terms are
   * read) and to call again.
   */
  warmUp(): void {
    this.warmed = true;
    try {
      this.postcodes.warm();
    } catch (e) {
      this.logError(e);
    }
    this.warmDirectory();
  }

  private warmDirectory(): void {
    try {
      this.directoryDb.warm();
    } catch (e) {
      this.logError(e);
    }
  }

  close(): void {
    this.summaries.close();
    this.sync?.stop();
    // The search index kept for the next start, when the directory changed or was built this time.
    this.directoryDb.close({ keepIndex: true });
    this.desk.db.close();
  }
}
