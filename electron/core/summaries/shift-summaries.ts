import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { writeContactsCsv } from '../../../export/csv';
import { writeShiftExport, type ExportProgress } from '../../../export/shift-export';
import { CoreError, hasErrorCode, type CoreEvents, type ExportResult, type SessionView, type ShiftSummaryView, type SummaryTeam, type SummaryTeamsView, type TeamContextView } from '../../../shared/contract';
import type { ExportProgressEvent } from '../../../shared/contract/summaries';
import type { Audience } from '../../../shared/lib/disclosure';
import { EXPORT_MEDIA_TYPES, type ExportFormat } from '../../../shared/lib/shift-export-formats';
import { ShiftSummary as ShiftSummarySchema, ShiftSummaryBuilder, unsyncedDesksOf, type DirectoryProblemReport, type ShiftSummary, type SummaryDesk } from '../../../shared/lib/shift-summary';
import type { AuditLog } from '../audit/audit-log';
import type { DirectoryDb } from '../directory/directory-db';
import { toContractError } from '../dispatch';
import { ServerRefused, SignInRequired, type SyncHttp } from '../sync/sync-http';
import { summaryAccess, type SummaryViewer } from './summary-access';
import type { StoredContext, TeamContextStore } from './team-context-store';
import { TeamRecords } from './team-records';

/*
 * Shift summaries on the desk (the core side of the lead's Shift workspace): figures from the
 * team's pulled records, computed by the same pure function as the server's, and the same files.
 * The team's name, people, desks and offline periods come from the team context the server last
 * sent (refreshed whenever the desk can reach it); this desk's own waiting changes are counted from
 * its outbox, which it knows better than the server.
 *
 * Only the desk user's roles open any of it (summary-access.ts): a team lead their own team, from
 * the records this desk pulled (so it works offline); an administrator any team of their trust,
 * from the server (their desk pulls no team's records); nobody else.
 *
 * An export reads the range twice (the figures, then one row per contact), streaming both from
 * SQLite on a connection of its own inside one read transaction: the two passes see the same
 * records, and saves on the desk's own connection go on meanwhile. It writes to a hidden file
 * beside the chosen one and renames it into place only once it is complete and on disk: a cancelled
 * or failed export leaves nothing behind. Each finished export is in the audit trail (who, what,
 * which range; never the content).
 */

export interface ShiftSummariesDeps {
  /** desk.db's own connection: this desk's waiting changes and when it last pulled. */
  records: TeamRecords;
  /** A new read-only connection to desk.db (closed by whoever opened it). */
  openReader: () => Database.Database;
  contexts: TeamContextStore;
  directory: () => DirectoryDb;
  audit: AuditLog;
  clientId: string;
  appVersion: string;
  now: () => Date;
  /** The central API, when this desk syncs with one and someone is signed in to it. */
  http: () => SyncHttp | null;
  /** Who is at the desk, and their roles. */
  session: () => SessionView;
  emit: <E extends 'summaries.exportProgress'>(event: E, payload: CoreEvents[E]) => void;
  /** The team's reports of directory problems made on this desk since a time (the server may not have them yet). */
  localReports?: (teamId: string, from: Date) => DirectoryProblemReport[];
}

/** How long a team context counts as fresh enough not to ask the server again for a summary. */
const CONTEXT_FRESH_MS = 60_000;
/** Progress events at most this often (a bar needs no more). */
const PROGRESS_EVERY_MS = 100;

/**
 * The page cache of the connection summaries on screen are read from. A summary reads the range's
 * records and the callbacks owed from before it, across a month of the team's records: with desk.db's
 * own 2 MiB most pages were decrypted again on every refresh (21 ms of reading for a night's 740
 * records; 9.5 ms with 8 MiB, measured). Only a lead's desk, which makes summaries, opens it.
 */
const SUMMARY_CACHE_KIB = 8192;

const wholeMinute = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

interface ExportRequest {
  exportId: string;
  teamId: string;
  from: Date;
  to: Date;
  format: ExportFormat;
  audience: Audience;
  path: string;
}

interface Written {
  contacts: number;
  desksBehind: number;
  from: string;
  to: string;
}

export class ShiftSummaries {
  private readonly running = new Map<string, AbortController>();
  private screenReader: { db: Database.Database; records: TeamRecords } | null = null;

  constructor(private readonly deps: ShiftSummariesDeps) {}

  /** The connection summaries on screen are read from, opened on first use and kept. */
  private reader(): { db: Database.Database; records: TeamRecords } {
    if (!this.screenReader) {
      const db = this.deps.openReader();
      db.pragma(`cache_size = -${SUMMARY_CACHE_KIB}`);
      this.screenReader = { db, records: new TeamRecords(db) };
    }
    return this.screenReader;
  }

  close(): void {
    this.cancelAll();
    this.screenReader?.db.close();
    this.screenReader = null;
  }

  /** The teams the desk user may see: a lead's own; an administrator's trust's, as the server lists them. */
  async teams(): Promise<SummaryTeamsView> {
    const viewer = summaryAccess(this.deps.session(), null);
    const user = this.deps.session().user!;
    if (viewer.source === 'team_records' && user.teamId) {
      const stored = this.deps.contexts.get(user.teamId) ?? (await this.fetchContext(user.teamId, viewer).catch(() => null));
      return { teams: [{ id: user.teamId, name: stored?.context.teamName ?? user.teamId }], source: 'team_records' };
    }
    const http = this.deps.http();
    if (!http) throw new CoreError('not_found', 'Administrators see teams’ shifts from the server, and this desk does not sync with one.');
    try {
      const answer = await http.json('/v1/summaries/teams', (v) => v as { teams: SummaryTeam[] });
      return { teams: answer.teams.map((t) => ({ id: String(t.id), name: String(t.name) })), source: 'server' };
    } catch (e) {
      throw serverError(e, 'the list of your trust’s teams');
    }
  }

  async teamContext(teamId: string, refresh: boolean): Promise<TeamContextView> {
    const viewer = summaryAccess(this.deps.session(), teamId);
    let refreshError: string | null = null;
    let stored = this.usable(this.deps.contexts.get(teamId), viewer);
    if (refresh || !stored) {
      try {
        stored = await this.fetchContext(teamId, viewer);
      } catch (e) {
        if (e instanceof CoreError && hasErrorCode(e, 'forbidden')) throw e;
        refreshError = (e as Error).message;
      }
    }
    return { context: stored?.context ?? null, fetchedAt: stored?.fetchedAt ?? null, refreshError };
  }

  async shift(teamId: string, from: Date, to: Date): Promise<ShiftSummaryView> {
    const viewer = summaryAccess(this.deps.session(), teamId);
    const context = await this.contextFor(teamId, viewer);
    const base = { teamName: context.context.teamName, contextFetchedAt: context.fetchedAt, waitingOnThisDesk: this.deps.records.waitingChanges() };
    if (viewer.source === 'server') {
      const summary = await this.serverSummary(teamId, from, to);
      return { ...base, summary, source: 'server', recordsPulledAt: null, recordsAsOf: context.context.recordsAsOf };
    }
    const now = wholeMinute(this.deps.now());
    const { db, records } = this.reader();
    // One snapshot for every query of the summary.
    const summary = db.transaction(() => this.summarise(records, teamId, from, to, now, context))();
    return { ...base, summary, source: 'team_records', recordsPulledAt: this.deps.records.pulledAt(), recordsAsOf: records.recordsAsOf(teamId) };
  }

  cancel(exportId: string): boolean {
    const c = this.running.get(exportId);
    if (!c) return false;
    c.abort(new DOMException('The export was cancelled.', 'AbortError'));
    return true;
  }

  /** Stops every running export (the desk changed hands: what the last person asked for is not written). */
  cancelAll(): void {
    for (const id of [...this.running.keys()]) this.cancel(id);
  }

  async export(p: ExportRequest): Promise<ExportResult> {
    const progress = throttledProgress(p.exportId, this.deps.emit);
    let viewer: SummaryViewer;
    let target: string;
    try {
      viewer = summaryAccess(this.deps.session(), p.teamId);
      target = checkTarget(p.path, p.format);
      if (this.running.has(p.exportId)) throw new CoreError('invalid_params', 'exportId: an export with this id is already running.', [{ field: 'exportId', message: 'already running' }]);
    } catch (e) {
      progress({ phase: 'failed', done: 0, total: 1, error: toContractError(e) }, true);
      throw e;
    }
    const controller = new AbortController();
    this.running.set(p.exportId, controller);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
    try {
      progress({ phase: 'summary', done: 0, total: 1 }, true);
      const written =
        viewer.source === 'server'
          ? await this.exportFromServer(p, temp, controller.signal, progress)
          : await this.exportFromRecords(p, temp, viewer, controller.signal, progress);
      controller.signal.throwIfAborted();
      const fd = openSync(temp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
      const bytes = statSync(target).size;
      this.deps.audit.append({
        action: 'export',
        detail: {
          what: 'shift_summary', format: p.format, audience: p.audience, teamId: p.teamId, from: written.from, to: written.to,
          contacts: written.contacts, bytes, desksBehind: written.desksBehind, by: viewer.userId, source: viewer.source,
        },
      });
      progress({ phase: 'done', done: 1, total: 1 }, true);
      return { exportId: p.exportId, path: target, format: p.format, bytes, contacts: written.contacts, desksBehind: written.desksBehind };
    } catch (e) {
      rmSync(temp, { force: true });
      const cancelled = controller.signal.aborted;
      const error = cancelled ? new CoreError('cancelled', 'The export was cancelled. No file was written.') : exportError(e, target);
      progress({ phase: cancelled ? 'cancelled' : 'failed', done: 0, total: 1, error: error.toContractError() }, true);
      throw error;
    } finally {
      this.running.delete(p.exportId);
    }
  }

  /** The file made here from the team's records, streamed from a connection of its own. */
  private async exportFromRecords(p: ExportRequest, temp: string, viewer: SummaryViewer, signal: AbortSignal, progress: Progress): Promise<Written> {
    const context = await this.contextFor(p.teamId, viewer);
    signal.throwIfAborted();
    const reader = this.deps.openReader();
    try {
      // One snapshot for both passes: a pull landing between them cannot make the rows disagree with the figures.
      reader.exec('BEGIN');
      const records = new TeamRecords(reader);
      const now = wholeMinute(this.deps.now());
      if (p.format === 'csv') return await this.csvInOnePass(p, temp, records, now, context, signal, progress);
      const summary = this.summarise(records, p.teamId, p.from, p.to, now, context);
      const out = await openTemp(temp);
      await writeShiftExport(
        p.format,
        {
          summary,
          contacts: records.contacts(p.teamId, p.from, p.to),
          audience: p.audience,
          team: { id: p.teamId, name: context.context.teamName },
          // Named as the server names the user it gave the team's context to, as the API's files are.
          generatedBy: context.context.viewer.name,
          appVersion: this.deps.appVersion,
          recordsAsOf: records.recordsAsOf(p.teamId),
        },
        out,
        { signal, onProgress: (x: ExportProgress) => progress(x, false) },
      );
      if (!out.closed) await once(out, 'close');
      return { contacts: summary.contacts.total, desksBehind: summary.unsyncedDesks.length, from: summary.from, to: summary.to };
    } finally {
      if (reader.inTransaction) reader.exec('ROLLBACK');
      reader.close();
    }
  }

  /**
   * The CSV prints no figures, so the summary is made from the same rows as they are written: one
   * read of the range instead of two (the reading was half of a month's CSV: docs/benchmarks.md).
   * The rows are those writeCsv writes for the summary made the usual way, byte for byte.
   */
  private async csvInOnePass(p: ExportRequest, temp: string, records: TeamRecords, now: Date, context: StoredContext, signal: AbortSignal, progress: Progress): Promise<Written> {
    const { builder, desks } = this.builderFor(records, p.teamId, p.from, p.to, now, context);
    for (const r of records.openBefore(p.teamId, p.from, p.to, now)) builder.add(r);
    const contacts = function* () {
      for (const r of records.inRangeInOrder(p.teamId, p.from, p.to)) {
        builder.add(r);
        if (r.status !== 'discarded') yield r;
      }
    };
    const out = await openTemp(temp);
    await writeContactsCsv(
      { audience: p.audience, desksBehind: unsyncedDesksOf(desks).length, contacts: contacts(), total: records.contactsAtMost(p.from, p.to), generatedAt: now },
      out,
      { signal, onProgress: (x: ExportProgress) => progress(x, false) },
    );
    if (!out.closed) await once(out, 'close');
    const summary = builder.finish();
    return { contacts: summary.contacts.total, desksBehind: summary.unsyncedDesks.length, from: summary.from, to: summary.to };
  }

  /** An administrator's file, as the server makes it (the same bytes it would make for the desk). */
  private async exportFromServer(p: ExportRequest, temp: string, signal: AbortSignal, progress: Progress): Promise<Written> {
    const http = this.requireServer();
    const summary = await this.serverSummary(p.teamId, p.from, p.to, signal);
    const query = new URLSearchParams({ teamId: p.teamId, from: p.from.toISOString(), to: p.to.toISOString(), format: p.format, audience: p.audience });
    let res: Response;
    try {
      res = await http.request(`/v1/summaries/shift?${query}`, { signal, headers: { accept: EXPORT_MEDIA_TYPES[p.format] } });
    } catch (e) {
      throw serverError(e, `the ${p.format.toUpperCase()} file`);
    }
    const total = Number(res.headers.get('content-length') ?? 0);
    const out = await openTemp(temp);
    let done = 0;
    try {
      for await (const chunk of http.bytes(res)) {
        signal.throwIfAborted();
        if (!out.write(chunk)) await once(out, 'drain');
        done += chunk.length;
        progress({ phase: 'finishing', done, total: Math.max(total, done) }, false);
      }
      out.end();
      if (!out.closed) await once(out, 'close');
    } catch (e) {
      out.destroy();
      throw e;
    }
    const behind = Number(res.headers.get('x-crisis-desk-desks-behind') ?? summary.unsyncedDesks.length);
    return { contacts: summary.contacts.total, desksBehind: Number.isInteger(behind) ? behind : summary.unsyncedDesks.length, from: summary.from, to: summary.to };
  }

  /** The summary of the team's records on this desk, read in one pass. */
  private summarise(records: TeamRecords, teamId: string, from: Date, to: Date, now: Date, context: StoredContext): ShiftSummary {
    const { builder } = this.builderFor(records, teamId, from, to, now, context);
    for (const r of records.forRange(teamId, from, to, now)) builder.add(r);
    return builder.finish();
  }

  /** A summary of the range about to be read, with the team's desks as this desk knows them. */
  private builderFor(records: TeamRecords, teamId: string, from: Date, to: Date, now: Date, context: StoredContext): { builder: ShiftSummaryBuilder; desks: SummaryDesk[] } {
    const names = new Map(context.context.people.map((x) => [x.id, x.name]));
    const waiting = records.waitingChanges();
    // This desk knows its own queue now; the context has what the server last heard from it.
    const known = context.context.desks.some((d) => d.clientId === this.deps.clientId);
    const desks = context.context.desks.map((d) => (d.clientId === this.deps.clientId ? { ...d, pending: waiting } : d));
    if (!known && waiting > 0) desks.push({ clientId: this.deps.clientId, userId: null, lastSeenAt: null, pending: waiting });
    const directory = this.deps.directory();
    const builder = new ShiftSummaryBuilder({
      teamId,
      from,
      to,
      now,
      desks,
      offlinePeriods: context.context.offlinePeriods,
      directoryProblems: withLocalReports(context.context.directoryProblems, this.deps.localReports?.(teamId, from) ?? []),
      directory: (id) => directory.entry(id),
      people: (id) => names.get(id),
    });
    return { builder, desks };
  }

  private async serverSummary(teamId: string, from: Date, to: Date, signal?: AbortSignal): Promise<ShiftSummary> {
    const http = this.requireServer();
    const query = new URLSearchParams({ teamId, from: from.toISOString(), to: to.toISOString() });
    try {
      return await http.json(`/v1/summaries/shift?${query}`, (v) => ShiftSummarySchema.parse(v), { signal });
    } catch (e) {
      throw serverError(e, 'the team’s figures');
    }
  }

  private requireServer(): SyncHttp {
    const http = this.deps.http();
    if (!http) throw new CoreError('not_found', 'Administrators see teams’ shifts from the server, and this desk does not sync with one.');
    return http;
  }

  /** A stored context this viewer may use: fetched for them (another person's stays theirs). */
  private usable(stored: StoredContext | null, viewer: SummaryViewer): StoredContext | null {
    return stored && stored.fetchedBy === viewer.userId ? stored : null;
  }

  /**
   * The team's context: fresh from the server when it can be asked (which checks the role again),
   * else as last heard for this user. A team this desk was never told about for this user cannot
   * be summarised here until the server says they may.
   */
  private async contextFor(teamId: string, viewer: SummaryViewer): Promise<StoredContext> {
    const stored = this.usable(this.deps.contexts.get(teamId), viewer);
    const stale = !stored || this.deps.now().getTime() - Date.parse(stored.fetchedAt) > CONTEXT_FRESH_MS;
    if (stored && !stale) return stored;
    try {
      return await this.fetchContext(teamId, viewer);
    } catch (e) {
      if ((e instanceof CoreError && hasErrorCode(e, 'forbidden')) || !stored) {
        throw e instanceof CoreError
          ? e
          : new CoreError(
              'not_found',
              viewer.source === 'server'
                ? `The server could not be asked for this team’s shifts (${(e as Error).message}) Administrators see teams’ shifts from the server: try again when the desk is online.`
                : `This desk has no shift data for ${teamId} yet (${(e as Error).message}) Sign in as the team’s lead while online once; after that it works offline.`,
            );
      }
      return stored;
    }
  }

  private async fetchContext(teamId: string, viewer: SummaryViewer): Promise<StoredContext> {
    const http = this.deps.http();
    if (!http) throw new Error('This desk does not sync with a server.');
    try {
      return await this.deps.contexts.refresh(http, teamId, viewer.userId);
    } catch (e) {
      if (e instanceof ServerRefused && (e.status === 403 || e.status === 404)) {
        throw new CoreError('forbidden', `teamId: the server says you cannot see this team’s shifts: ${e.message}`, [{ field: 'teamId', message: e.message }]);
      }
      if (e instanceof SignInRequired) throw new Error('Sign in to get the team’s latest shift data.');
      throw e;
    }
  }
}

async function openTemp(temp: string): Promise<WriteStream> {
  const out = createWriteStream(temp, { flags: 'wx' });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  return out;
}

/** An error from asking the server, in words. */
function serverError(e: unknown, what: string): CoreError {
  if (e instanceof CoreError) return e;
  if (e instanceof ServerRefused && (e.status === 403 || e.status === 404)) {
    return new CoreError('forbidden', `teamId: the server says you cannot see this team’s shifts: ${e.message}`, [{ field: 'teamId', message: e.message }]);
  }
  if (e instanceof ServerRefused && e.status === 400) return new CoreError('invalid_params', `The server refused the request for ${what}: ${e.message}`);
  if (e instanceof SignInRequired) return new CoreError('not_signed_in', `Sign in again to get ${what} from the server.`);
  return new CoreError('not_found', `The server could not be asked for ${what} (${(e as Error).message}) Try again when the desk is online.`);
}

/**
 * The reports the server knew when it sent the team context, and this desk's own not among them
 * (made since, or still waiting to be sent): each counted once, so the desk's figure is the
 * server's as soon as both have the same reports.
 */
function withLocalReports(fromServer: readonly DirectoryProblemReport[], local: readonly DirectoryProblemReport[]): DirectoryProblemReport[] {
  const known = new Set(fromServer.flatMap((r) => (r.id ? [r.id] : [])));
  return [...fromServer, ...local.filter((r) => !r.id || !known.has(r.id))];
}

/** The path the starter chose, checked: absolute, with the format's extension. */
function checkTarget(p: string, format: ExportFormat): string {
  const fields = (message: string) => new CoreError('invalid_params', `path: ${message}`, [{ field: 'path', message }]);
  if (!path.isAbsolute(p) || p.includes('\0')) throw fields('must be an absolute path to the file to write.');
  if (path.extname(p).toLowerCase() !== `.${format}`) throw fields(`must end in .${format} for a ${format.toUpperCase()} file.`);
  return path.normalize(p);
}

function exportError(e: unknown, target: string): CoreError {
  if (e instanceof CoreError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new CoreError('storage_full', 'The disk is full: the export was not saved. Free some space or choose another place, then export again.');
  if (code === 'ENOENT' || code === 'ENOTDIR') return new CoreError('export_failed', `The folder ${path.dirname(target)} does not exist: choose another place to save the file.`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new CoreError('export_failed', `Crisis Desk may not write to ${path.dirname(target)}: choose another place to save the file.`);
  if (code === 'EEXIST') return new CoreError('export_failed', 'Another export to the same file is being written: wait for it, or choose another name.');
  return new CoreError('export_failed', 'The file could not be written, and nothing was left behind. Try again; tell IT if it keeps happening.');
}

type Progress = (p: { phase: ExportProgressEvent['phase']; done: number; total: number; error?: ExportProgressEvent['error'] }, always: boolean) => void;

/** Progress at most every PROGRESS_EVERY_MS within a phase; each new phase, and its end, always. */
function throttledProgress(exportId: string, emit: ShiftSummariesDeps['emit']): Progress {
  let last = 0;
  let phase: string | null = null;
  return (p, always) => {
    const t = Date.now();
    if (!always && p.phase === phase && t - last < PROGRESS_EVERY_MS && p.done < p.total) return;
    last = t;
    phase = p.phase;
    emit('summaries.exportProgress', { exportId, phase: p.phase, done: p.done, total: p.total, ...(p.error ? { error: p.error } : {}) });
  };
}
