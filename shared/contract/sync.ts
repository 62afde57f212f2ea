import { z } from 'zod';
import { DraftContent, type CallStatus } from '../domain/call-record';
import type { Author, DeskUser } from '../domain/people';

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
  /** Changes the server rejected, kept and shown until acknowledged. */
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
  /** Who is using this desk, and their roles (the screen shows what their role may do). */
  session: SessionView;
  /**
   * Changes waiting on this desk, by author (the desk user's own included), with what each group
   * waits for. Only these say whose changes they are; `waiting` counts them all.
   */
  queues: AuthorQueue[];
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

/**
 * Who is using the desk. The user is whoever last signed in here and has not signed out: a session
 * that ends by itself (expired, revoked, or the desk restarted) does not hand their work to anyone
 * else, so their changes stay theirs and sync waits for them to sign in again.
 */
export interface SessionView {
  user: DeskUser | null;
  /** signed_in: their session is live; ended: it ended without their signing out; signed_out: nobody (changes are unattributed). */
  state: 'signed_in' | 'ended' | 'signed_out';
}

/** One author's changes waiting on this desk (author null: made while nobody was signed in). */
export interface AuthorQueue {
  author: Author | null;
  waiting: number;
  /**
   * sending: their session (live, or kept after they left only to send these) sends them;
   * sign_in_needed: they wait for their author to sign in on this desk; refused: the server will
   * not take this author's changes (reason says why); unclaimed: they wait for someone to claim them.
   */
  state: 'sending' | 'sign_in_needed' | 'refused' | 'unclaimed';
  reason: string | null;
}

/** A record with changes waiting on this desk, for the view of who waits for what. No clinical detail. */
export interface WaitingRecord {
  recordId: string;
  status: CallStatus;
  callerLabel: string;
  startedAt: string;
  changes: number;
  /** When the oldest of them was made (desk clock). */
  since: string;
  /** Queued before this desk recorded who made changes: such records can only be claimed together. */
  queuedBeforeAuthors: boolean;
  /** Set when the change is a report of a directory problem, not a call record: what it reports ("Report: Harbour Café — service closed"). */
  report?: string;
}

export interface WaitingGroup extends AuthorQueue {
  records: WaitingRecord[];
}

export const ClaimParams = z.object({
  /** Records whose unclaimed changes the signed-in user says are theirs. */
  recordIds: z.array(z.string().uuid()).min(1).max(1000),
});

export interface ClaimResult {
  claimed: number;
  status: SyncStatus;
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
  /** Whose change on this desk met the other version: only they may settle it. */
  author: Author | null;
  detectedAt: string;
  localRevision: number;
  localContent: DraftContent;
  serverRevision: number;
  serverContent: DraftContent | null;
}

export interface RejectionView {
  mutationId: string;
  recordId: string;
  /** Whose change it was. */
  author: Author | null;
  kind: 'upsert' | 'finalise' | 'addendum' | 'discard' | 'report';
  /** A report of a directory problem: what it reported (recordId is the report's id, not a call record's). */
  label?: string;
  reason: string;
  failedAt: string;
  acknowledgedAt: string | null;
}

export const ResolveConflictParams = z.object({
  id: z.string().uuid(),
  /** keep_mine: send this desk's version; keep_theirs: take the server's; merged: send the given content. */
  choice: z.enum(['keep_mine', 'keep_theirs', 'merged']),
  content: DraftContent.optional(),
  /** Who the screen believes is resolving (as calls.ts AuthorId). */
  authorId: z.string().max(200).nullable().optional(),
});
