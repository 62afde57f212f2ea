import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeShiftExport, type ExportProgress } from '../../../export/shift-export';
import { CoreError, type CoreEvents, type ExportResult, type ShiftSummaryView, type TeamContextView } from '../../../shared/contract';
import type { ExportProgressEvent } from '../../../shared/contract/summaries';
import type { Audience } from '../../../shared/lib/disclosure';
import type { ExportFormat } from '../../../shared/lib/shift-export-formats';
import { summariseShift, type DirectoryProblemReport, type ShiftSummary, type SummaryRecord } from '../../../shared/lib/shift-summary';
import type { AuditLog } from '../audit/audit-log';
import type { DirectoryDb } from '../directory/directory-db';
import { ServerRefused, SignInRequired, type SyncHttp } from '../sync/sync-http';
import type { StoredContext, TeamContextStore } from './team-context-store';
import type { TeamRecords } from './team-records';

/*
 * Shift summaries on the desk (the core side of the lead's Shift workspace): figures from the
 * team's pulled records, computed by the same pure function as the server's, and the same files.
 * The team's name, people, desks and offline periods come from the team context the server last
 * sent (refreshed whenever the desk can reach it); this desk's own waiting changes are counted from
 * its outbox, which it knows better than the server.
 *
 * An export writes to a hidden file beside the chosen one and renames it into place only once it
 * is complete and on disk: a cancelled or failed export leaves nothing behind. Each finished
 * export is in the audit trail (who, what, which range; never the content).
 */

export interface ShiftSummariesDeps {
  records: TeamRecords;
  contexts: TeamContextStore;
  directory: () => DirectoryDb;
  audit: AuditLog;
  clientId: string;
  appVersion: string;
  now: () => Date;
  /** The central API, when this desk syncs with one and someone is signed in to it. */
  http: () => SyncHttp | null;
  /** The signed-in user's name as the server gives it; null when nobody is signed in. */
  userName: () => string | null;
  emit: <E extends 'summaries.exportProgress'>(event: E, payload: CoreEvents[E]) => void;
  /** The team's reports of directory problems made on this desk since a time (the server may not have them yet). */
  localReports?: (teamId: string, from: Date) => DirectoryProblemReport[];
}

/** How long a team context counts as fresh enough not to ask the server again for a summary. */
const CONTEXT_FRESH_MS = 60_000;
/** Progress events at most this often (a bar needs no more). */
const PROGRESS_EVERY_MS = 100;

const wholeMinute = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

export class ShiftSummaries {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly deps: ShiftSummariesDeps) {}

  async teamContext(teamId: string, refresh: boolean): Promise<TeamContextView> {
    let refreshError: string | null = null;
    let stored = this.deps.contexts.get(teamId);
    if (refresh || !stored) {
      try {
        stored = await this.fetchContext(teamId);
      } catch (e) {
        if (e instanceof CoreError && e.code === 'forbidden') throw e;
        refreshError = (e as Error).message;
      }
    }
    return { context: stored?.context ?? null, fetchedAt: stored?.fetchedAt ?? null, refreshError };
  }

  async shift(teamId: string, from: Date, to: Date): Promise<ShiftSummaryView> {
    const made = await this.make(teamId, from, to);
    return {
      summary: made.summary,
      teamName: made.context.context.teamName,
      recordsPulledAt: this.deps.records.pulledAt(),
      recordsAsOf: made.recordsAsOf,
      contextFetchedAt: made.context.fetchedAt,
      waitingOnThisDesk: this.deps.records.waitingChanges(),
    };
  }

  cancel(exportId: string): boolean {
    const c = this.running.get(exportId);
    if (!c) return false;
    c.abort(new DOMException('The export was cancelled.', 'AbortError'));
    return true;
  }

  async export(p: { exportId: string; teamId: string; from: Date; to: Date; format: ExportFormat; audience: Audience; path: string }): Promise<ExportResult> {
    const target = checkTarget(p.path, p.format);
    if (this.running.has(p.exportId)) throw new CoreError('invalid_params', 'exportId: an export with this id is already running.', [{ field: 'exportId', message: 'already running' }]);
    const controller = new AbortController();
    this.running.set(p.exportId, controller);
    const progress = throttledProgress(p.exportId, this.deps.emit);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
    try {
      progress({ phase: 'summary', done: 0, total: 1 }, true);
      const made = await this.make(p.teamId, p.from, p.to);
      controller.signal.throwIfAborted();
      const out = createWriteStream(temp, { flags: 'wx' });
      const opened = new Promise<void>((resolve, reject) => {
        out.once('open', () => resolve());
        out.once('error', reject);
      });
      await opened;
      await writeShiftExport(
        p.format,
        {
          summary: made.summary,
          records: made.records,
          audience: p.audience,
          team: { id: p.teamId, name: made.context.context.teamName },
          // Named as the server names the user it gave the team's context to, as the API's files are.
          generatedBy: made.context.context.viewer.name,
          appVersion: this.deps.appVersion,
          recordsAsOf: made.recordsAsOf,
        },
        out,
        { signal: controller.signal, onProgress: (x: ExportProgress) => progress(x, false) },
      );
      if (!out.closed) await once(out, 'close');
      controller.signal.throwIfAborted();
      const fd = openSync(temp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
      const bytes = statSync(target).size;
      const contacts = made.summary.contacts.total;
      this.deps.audit.append({
        action: 'export',
        detail: { what: 'shift_summary', format: p.format, audience: p.audience, teamId: p.teamId, from: made.summary.from, to: made.summary.to, contacts, bytes, desksBehind: made.summary.unsyncedDesks.length },
      });
      progress({ phase: 'done', done: 1, total: 1 }, true);
      return { exportId: p.exportId, path: target, format: p.format, bytes, contacts, desksBehind: made.summary.unsyncedDesks.length };
    } catch (e) {
      rmSync(temp, { force: true });
      const cancelled = controller.signal.aborted;
      progress({ phase: cancelled ? 'cancelled' : 'failed', done: 0, total: 1 }, true);
      if (cancelled) throw new CoreError('cancelled', 'The export was cancelled. No file was written.');
      throw exportError(e, target);
    } finally {
      this.running.delete(p.exportId);
    }
  }

  /** The summary as the desk can make it now, with what it was made from. */
  private async make(teamId: string, from: Date, to: Date): Promise<{ summary: ShiftSummary; records: SummaryRecord[]; context: StoredContext; recordsAsOf: string | null }> {
    const context = await this.contextFor(teamId);
    const now = wholeMinute(this.deps.now());
    const records = this.deps.records.forRange(teamId, from, to, now);
    const names = new Map(context.context.people.map((x) => [x.id, x.name]));
    const waiting = this.deps.records.waitingChanges();
    // This desk knows its own queue now; the context has what the server last heard from it.
    const known = context.context.desks.some((d) => d.clientId === this.deps.clientId);
    const desks = context.context.desks.map((d) => (d.clientId === this.deps.clientId ? { ...d, pending: waiting } : d));
    if (!known && waiting > 0) desks.push({ clientId: this.deps.clientId, userId: null, lastSeenAt: null, pending: waiting });
    const directory = this.deps.directory();
    const summary = summariseShift({
      teamId,
      from,
      to,
      now,
      records,
      desks,
      offlinePeriods: context.context.offlinePeriods,
      directoryProblems: withLocalReports(context.context.directoryProblems, this.deps.localReports?.(teamId, from) ?? []),
      directory: (id) => directory.entry(id),
      people: (id) => names.get(id),
    });
    return { summary, records, context, recordsAsOf: this.deps.records.recordsAsOf(teamId) };
  }

  /**
   * The team's context: fresh from the server when it can be asked (which checks the role), else
   * as last heard. A team this desk was never told about, or was told about for another user,
   * cannot be summarised here until the server says this user may.
   */
  private async contextFor(teamId: string): Promise<StoredContext> {
    const stored = this.deps.contexts.get(teamId);
    const user = this.deps.userName();
    const otherUser = stored !== null && user !== null && stored.fetchedBy !== null && stored.fetchedBy !== user;
    const stale = !stored || this.deps.now().getTime() - Date.parse(stored.fetchedAt) > CONTEXT_FRESH_MS;
    if (stored && !stale && !otherUser) return stored;
    try {
      return await this.fetchContext(teamId);
    } catch (e) {
      if ((e instanceof CoreError && e.code === 'forbidden') || otherUser || !stored) {
        throw e instanceof CoreError
          ? e
          : new CoreError('not_found', `This desk has no shift data for ${teamId} yet (${(e as Error).message}) Sign in as the team’s lead while online once; after that it works offline.`);
      }
      return stored;
    }
  }

  private async fetchContext(teamId: string): Promise<StoredContext> {
    const http = this.deps.http();
    if (!http) throw new Error('This desk does not sync with a server.');
    try {
      return await this.deps.contexts.refresh(http, teamId, this.deps.userName());
    } catch (e) {
      if (e instanceof ServerRefused && (e.status === 403 || e.status === 404)) throw new CoreError('forbidden', `You cannot see this team’s shifts: ${e.message}`);
      if (e instanceof SignInRequired) throw new Error('Sign in to get the team’s latest shift data.');
      throw e;
    }
  }
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
  return new CoreError('export_failed', 'The file could not be written, and nothing was left behind. Try again; tell IT if it keeps happening.');
}

function throttledProgress(exportId: string, emit: ShiftSummariesDeps['emit']) {
  let last = 0;
  return (p: { phase: ExportProgressEvent['phase']; done: number; total: number }, always: boolean) => {
    const t = Date.now();
    if (!always && t - last < PROGRESS_EVERY_MS && p.done < p.total) return;
    last = t;
    emit('summaries.exportProgress', { exportId, phase: p.phase, done: p.done, total: p.total });
  };
}
