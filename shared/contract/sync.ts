import { z } from 'zod';
import { CallRecordContent, type CallStatus } from '../domain/call-record';

/** What the status bar shows: always visible, so a clinician knows what has reached the server. */
export interface SyncStatus {
  /** online: the server answered last time; offline: it did not (since offlineSince); unknown: not tried yet. */
  connection: 'online' | 'offline' | 'unknown';
  offlineSince: string | null;
  /** What sync is doing right now. */
  activity: 'idle' | 'pushing' | 'pulling' | 'directory';
  /** Changes saved on this desk and not yet acknowledged by the server. */
  waiting: number;
  /** When the server last acknowledged everything this desk had (or a pull completed). */
  lastSyncedAt: string | null;
  /** Records where this desk and another disagree: the clinician chooses. */
  conflicts: number;
  /** Changes the server refused, kept and shown until acknowledged. */
  rejected: number;
  /** Sync stopped until someone acts; working offline carries on. */
  paused: { reason: 'sign_in' | 'update_required' | 'sequence_gap' | 'not_configured'; message: string } | null;
  signedIn: boolean;
  userName: string | null;
  /** Directory download in progress, for a progress bar. */
  directoryProgress: DirectoryProgress | null;
  /**
   * The server answered but refused (an HTTP error status): it is reachable, so the desk is not
   * offline, and this says why sync is not going through. Cleared when that part of sync next
   * succeeds. Absent from cores that predate it.
   */
  lastRefusal?: SyncRefusal | null;
}

/** A refusal from the server, with its reason as the server gave it. */
export interface SyncRefusal {
  /** Which part of sync was refused. */
  task: 'push' | 'pull' | 'directory' | 'hints';
  /** The HTTP status (e.g. 503, 429, 403). */
  status: number;
  /** The server's error code (e.g. `forbidden`), or `http_<status>` when it gave none. */
  code: string;
  /** The server's own message. */
  message: string;
  at: string;
}

export interface DirectoryProgress {
  phase: 'manifest' | 'download' | 'verify' | 'install' | 'catch_up' | 'pages';
  bytes: number;
  totalBytes: number | null;
  rows: number;
}

export interface ConflictView {
  id: string;
  recordId: string;
  recordStatus: CallStatus;
  detectedAt: string;
  localRevision: number;
  localContent: CallRecordContent;
  serverRevision: number;
  serverContent: CallRecordContent | null;
}

export interface RejectionView {
  mutationId: string;
  recordId: string;
  kind: 'upsert' | 'finalise' | 'addendum' | 'discard';
  reason: string;
  failedAt: string;
  acknowledgedAt: string | null;
}

export const ResolveConflictParams = z.object({
  id: z.string().uuid(),
  /** keep_mine: send this desk's version; keep_theirs: take the server's; merged: send the given content. */
  choice: z.enum(['keep_mine', 'keep_theirs', 'merged']),
  content: CallRecordContent.optional(),
});
