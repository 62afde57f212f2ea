import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CoreError, type CoreEvents, type Envelope, type EventName } from '../../shared/contract';
import { englandAndWalesCalendar, type BankHolidayCalendar } from '../../shared/lib/bank-holidays';
import { AuditLog } from './audit/audit-log';
import { CallStore } from './calls/call-store';
import { openDeskDb, type DeskDb } from './db/desk-db';
import { DirectoryDb } from './directory/directory-db';
import { loadPostcodeCentroids } from './directory/postcode-centroids';
import { dispatch, type Handlers } from './dispatch';

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
  /** Told about unexpected errors, without patient data; defaults to stderr. */
  logError?: (message: string) => void;
}

type Listener = (payload: unknown) => void;

/** Keys derived from the desk key for purposes other than encrypting desk.db. */
function deriveKey(deskKey: Buffer, purpose: string): Buffer {
  return createHmac('sha256', deskKey).update(`crisis-desk:${purpose}`).digest();
}

/**
 * The desk's core: its two databases and every method of the contract. Transport-free: the
 * Electron utility process, the browser host and the tests all drive it through handle().
 */
export class Core {
  private readonly listeners = new Map<EventName, Set<Listener>>();
  private readonly pendingWarnings: CoreEvents['core.warning'][] = [];

  private constructor(
    private readonly opts: Required<Omit<CoreOptions, 'calendar' | 'logError'>> & Pick<CoreOptions, 'logError'>,
    readonly desk: DeskDb,
    readonly directory: DirectoryDb,
    readonly calls: CallStore,
    readonly audit: AuditLog,
  ) {}

  static open(options: CoreOptions): Core {
    if (options.deskKey.length !== 32) throw new CoreError('db_wrong_key', 'The desk key must be 32 bytes.');
    mkdirSync(options.dataDir, { recursive: true });
    const now = options.now ?? (() => new Date());
    const calendar = options.calendar ?? englandAndWalesCalendar();
    const desk = openDeskDb(path.join(options.dataDir, 'desk.db'), options.deskKey);
    let directory: DirectoryDb;
    try {
      directory = DirectoryDb.open(path.join(options.dataDir, 'directory.db'), loadPostcodeCentroids(options.geoDir), calendar);
    } catch (e) {
      desk.db.close();
      throw e;
    }
    const audit = new AuditLog(desk.db, deriveKey(options.deskKey, 'audit'));
    const calls = new CallStore(desk.db, { clientId: desk.clientId, now, audit });
    const core = new Core({ ...options, now, appVersion: options.appVersion ?? '0.0.0-dev' }, desk, directory, calls, audit);
    core.pendingWarnings.push(...desk.warnings);
    return core;
  }

  private get handlers(): Handlers {
    const now = this.opts.now;
    return {
      'system.info': () => ({
        appVersion: this.opts.appVersion,
        clientId: this.desk.clientId,
        deskSchemaVersion: this.desk.schemaVersion,
        directory: this.directory.info(),
      }),
      'directory.search': (p) => this.directory.search(p, p.openAt ? new Date(p.openAt) : now()),
      'directory.get': (p) => this.directory.get(p.id, now()),
      'directory.lookupPostcode': (p) => this.directory.lookupPostcode(p.postcode),
      'calls.create': (p) => this.calls.create(p),
      'calls.save': (p) => this.calls.save(p),
      'calls.get': (p) => this.calls.get(p.id),
      'calls.list': (p) => this.calls.list(p),
      'calls.finalise': (p) => this.calls.finalise(p),
      'calls.addAddendum': (p) => this.calls.addAddendum(p),
      'calls.discard': (p) => this.calls.discard(p),
      'calls.revisions': (p) => this.calls.revisions(p.id),
      'audit.verify': () => this.audit.verify(),
    };
  }

  /** Answers one call from the screen; never throws. */
  handle(method: unknown, params: unknown): Promise<Envelope<unknown>> {
    return dispatch(this.handlers, method, params, (e) => this.logError(e));
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

  close(): void {
    this.directory.close();
    this.desk.db.close();
  }
}
