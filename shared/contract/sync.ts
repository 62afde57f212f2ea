import { z } from 'zod';
import { DraftContent, type CallStatus } from '../domain/call-record';

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
  localContent: DraftContent;
  serverRevision: number;
  serverContent: DraftContent | null;
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
  content: DraftContent.optional(),
});
