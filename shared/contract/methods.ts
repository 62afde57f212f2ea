import { z } from 'zod';
import type { CallRecord, CallSummary } from '../domain/call-record';
import type { DirectoryService } from '../domain/directory';
import type { AuditVerification, RevisionInfo, SaveResult } from './calls';
import { AddAddendumParams, CreateCallParams, DiscardCallParams, FinaliseCallParams, ListCallsParams, RecordRef, SaveCallParams, SetOpenOnDeskParams } from './calls';
import type { DirectoryInfo, OpenState, SearchOrigin, SearchResult } from './directory';
import { ReportProblemParams, SearchParams } from './directory';
import type { ServiceReport } from '../domain/directory-quality';
import type { Addendum } from '../domain/call-record';
import type { ClaimResult, ConflictView, RejectionView, SyncStatus, WaitingGroup } from './sync';
import { ClaimParams, ResolveConflictParams } from './sync';
import type { LockState } from './shell';
import type { ExportResult, ShiftSummaryView, SummaryTeamsView, TeamContextView } from './summaries';
import { ExportParams, ExportRequestParams, ShiftRangeParams, TeamContextParams } from './summaries';

/** A method: the schema its parameters must pass, and (as a type only) what it answers. */
export interface MethodSpec<P extends z.ZodType, R> {
  params: P;
  /** Never set: carries the result type. */
  readonly result?: R;
}

const method =
  <R>() =>
  <P extends z.ZodType>(params: P): MethodSpec<P, R> => ({ params });

const NoParams = z.object({}).strict();

export interface SystemInfo {
  appVersion: string;
  clientId: string;
  deskSchemaVersion: number;
  directory: DirectoryInfo;
}

/**
 * The whole surface between the screen and the core. Adding a feature means adding a method here;
 * the core's handler table and the renderer's calls fail to compile until they agree.
 */
export const METHODS = {
  'system.info': method<SystemInfo>()(NoParams),

  'directory.search': method<SearchResult>()(SearchParams),
  'directory.get': method<{ service: DirectoryService; openState: OpenState; dataAgeDays: number | null; stale: boolean }>()(
    z.object({ id: z.string().min(1).max(200), openAt: SearchParams.shape.openAt }),
  ),
  'directory.lookupPostcode': method<SearchOrigin>()(z.object({ postcode: z.string().min(1).max(12) })),
  /**
   * Reports a problem with a service (number not answering, closed, hours or eligibility wrong,
   * other). Audited; queued in the desk user's stream; shown on the service here at once.
   */
  'directory.report': method<ServiceReport>()(ReportProblemParams),

  'calls.create': method<CallRecord>()(CreateCallParams),
  'calls.save': method<SaveResult>()(SaveCallParams),
  'calls.get': method<CallRecord>()(RecordRef),
  'calls.list': method<CallSummary[]>()(ListCallsParams),
  'calls.finalise': method<CallRecord>()(FinaliseCallParams),
  'calls.addAddendum': method<Addendum>()(AddAddendumParams),
  'calls.discard': method<CallRecord>()(DiscardCallParams),
  'calls.revisions': method<RevisionInfo[]>()(RecordRef),
  /**
   * The record open on this desk's screen, kept in desk.db so that a reload, a fresh tab or a
   * restart of the desk reopens it (null when none is, or it has since been discarded).
   */
  'calls.openOnDesk': method<CallRecord | null>()(NoParams),
  /** Remembers the record now open on this desk's screen (null: none). */
  'calls.setOpenOnDesk': method<null>()(SetOpenOnDeskParams),

  'audit.verify': method<AuditVerification>()(NoParams),

  'sync.status': method<SyncStatus>()(NoParams),
  /** Sync now (the clinician pressed "sync"): pushes, pulls and checks the directory. */
  'sync.now': method<SyncStatus>()(NoParams),
  'sync.conflicts': method<ConflictView[]>()(NoParams),
  'sync.resolveConflict': method<ConflictView[]>()(ResolveConflictParams),
  'sync.rejections': method<RejectionView[]>()(z.object({ includeAcknowledged: z.boolean().optional() })),
  'sync.acknowledgeRejection': method<RejectionView[]>()(z.object({ mutationId: z.string().uuid() })),
  /** Changes waiting on this desk, by author, with the records they belong to (no clinical detail). */
  'sync.waiting': method<WaitingGroup[]>()(NoParams),
  /**
   * The signed-in user says these records' unclaimed changes (made while nobody was signed in) are
   * theirs: they are filed under them and sent. Audited. Refused when nobody is signed in.
   */
  'sync.claim': method<ClaimResult>()(ClaimParams),
  /** Starts a sign-in; openUrl is an address the screen must open itself (the browser host), else null. */
  'auth.signIn': method<{ openUrl: string | null; status: SyncStatus }>()(NoParams),
  /**
   * Signs the desk's user out. Their changes still waiting are sent first (for a few seconds);
   * what is left keeps going under their own session, kept only for that, and is listed by author
   * in the status (`queues`) — or waits there for them to sign in again when that session has ended.
   */
  'auth.signOut': method<SyncStatus>()(NoParams),

  /** The teams whose shifts the desk user may see (team leads: theirs; admins: their trust's, from the server). */
  'summaries.teams': method<SummaryTeamsView>()(NoParams),
  /** A team's shifts, people and desks as the server last told this desk (team leads and admins). */
  'summaries.teamContext': method<TeamContextView>()(TeamContextParams),
  /** The shift at a glance, from the team's records on this desk (works offline). */
  'summaries.shift': method<ShiftSummaryView>()(ShiftRangeParams),
  /** Writes the summary as CSV, XLSX or PDF to the path given; progress as summaries.exportProgress events. Audited. */
  'summaries.export': method<ExportResult>()(ExportParams),
  /** Stops a running export; it leaves no file. False when no such export is running. */
  'summaries.cancelExport': method<{ cancelled: boolean }>()(z.object({ exportId: z.string().uuid() })),

  /**
   * Served by the desktop shell: asks where to save the file (the system's save dialog) and has
   * the core write it there, with progress as summaries.exportProgress events. null: the dialog was
   * cancelled and nothing was written. The browser host downloads instead (GET /exports/shift).
   */
  'app.saveExport': method<ExportResult | null>()(ExportRequestParams),
  /** Served by the desktop shell, not the core (shell.ts): lock the screen now. */
  'app.lockNow': method<LockState>()(NoParams),
  /** Served by the desktop shell: whether the screen is locked, and after how long idle it locks. */
  'app.lockState': method<LockState>()(NoParams),
  /** Served by the desktop shell: what the screen has open, so that an update never restarts the desk mid-call. */
  'app.activity': method<{ recorded: true }>()(z.object({ callOpen: z.boolean(), savePending: z.boolean() })),
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
/** Methods the desktop shell answers (the `app.` prefix); the core answers the rest. */
export type ShellMethodName = Extract<MethodName, `app.${string}`>;
export type CoreMethodName = Exclude<MethodName, ShellMethodName>;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ParsedParamsOf<M extends MethodName> = z.output<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = Methods[M] extends MethodSpec<z.ZodType, infer R> ? R : never;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}
