/*
 * Shared by the desk.db tests (unit tests beside the code and test/integration): a real desk.db
 * in a temporary folder, and call record content that is complete enough to finalise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyCallRecordContent, type CallRecordContent } from '../../../shared/domain/call-record';
import type { DeskUser } from '../../../shared/domain/people';
import { MutationPayload, type Mutation } from '../../../shared/sync/protocol';
import { AuditLog } from '../audit/audit-log';
import { openDeskDb, type DeskDb } from '../db/desk-db';
import { DeskSession } from '../session/desk-session';
import type { ClaimedBatch } from '../sync/outbox-push';
import type { SessionSnapshot, TokenSource } from '../sync/token-source';
import { CallStore } from './call-store';

export function makeTempDir(prefix = 'crisis-desk-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Synthetic people for desk tests. */
export const PEOPLE = {
  day: { userId: 'clin-day', displayName: 'Day Clinician (synthetic)', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician'] },
  night: { userId: 'clin-night', displayName: 'Night Clinician (synthetic)', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician'] },
  lead: { userId: 'lead-a1', displayName: 'Team Lead (synthetic)', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician', 'team_lead'] },
} satisfies Record<string, DeskUser>;

/**
 * The starter's side of signing in, for desk tests without a server: who is signed in, and whose
 * sessions are kept after they left. It hands out no tokens (nothing is sent in these tests).
 */
export class SignInsForTests implements TokenSource {
  private snapshot: SessionSnapshot;
  private readonly listeners: ((s: SessionSnapshot) => void)[] = [];
  constructor(user: DeskUser | null) {
    this.snapshot = { user, kept: [] };
  }
  signInAs(user: DeskUser): void {
    const leaving = this.snapshot.user && this.snapshot.user.userId !== user.userId ? [this.snapshot.user.userId] : [];
    this.set({ user, kept: [...this.snapshot.kept.filter((k) => k !== user.userId), ...leaving] });
  }
  /** The signed-in session ends by itself (a refused renewal): the person stays the desk user. */
  end(): void {
    this.set({ user: null, kept: this.snapshot.kept, ended: true });
  }
  accessToken = async () => null;
  renewAccessToken = async () => null;
  requestSignIn = () => null;
  requestSignOut(): void {
    const leaving = this.snapshot.user ? [this.snapshot.user.userId] : [];
    this.set({ user: null, kept: [...this.snapshot.kept, ...leaving] });
  }
  releaseSession(userId: string): void {
    this.set({ ...this.snapshot, kept: this.snapshot.kept.filter((k) => k !== userId) });
  }
  current = () => this.snapshot;
  onSessionChanged(listener: (s: SessionSnapshot) => void): void {
    this.listeners.push(listener);
  }
  private set(s: SessionSnapshot): void {
    this.snapshot = s;
    for (const l of this.listeners) l(s);
  }
}

export interface TestDesk {
  file: string;
  desk: DeskDb;
  audit: AuditLog;
  session: DeskSession;
  signIns: SignInsForTests;
  calls: CallStore;
  close: () => void;
}

/**
 * Opens desk.db in `dir` with the given key, as the core does (the audit key is a separate random
 * one here), with `user` signed in (the day clinician unless given; null: nobody).
 */
export function openTestDesk(dir: string, key: Buffer, opts: { auditKey?: Buffer; now?: () => Date; user?: DeskUser | null } = {}): TestDesk {
  const file = path.join(dir, 'desk.db');
  const desk = openDeskDb(file, key);
  const now = opts.now ?? (() => new Date());
  const audit = new AuditLog(desk.db, opts.auditKey ?? Buffer.alloc(32, 7), now);
  const signIns = new SignInsForTests(opts.user === undefined ? PEOPLE.day : opts.user);
  const session = new DeskSession(desk.db, audit, now, signIns);
  const calls = new CallStore(desk.db, { clientId: desk.clientId, now, audit, authors: session });
  return { file, desk, audit, session, signIns, calls, close: () => desk.db.close() };
}

export const randomKey = (): Buffer => randomBytes(32);

/** A synthetic record that satisfies finaliseIssues: anonymous self-referral, no risk, advice only. */
export function completeContent(startedAt: string, summary = 'Synthetic test call: low mood, wanted to talk.'): CallRecordContent {
  const content = emptyCallRecordContent(startedAt);
  content.caller = { ...content.caller, type: 'self', anonymous: true };
  content.presentingNeed = { categories: ['low_mood'], summary };
  for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding'] as const) content.risk[area].status = 'none_identified';
  content.risk.formulation = 'Synthetic test: no current risk identified.';
  content.outcome = { code: '02', notes: '' };
  content.consent = { informationSharing: 'given', notes: '' };
  return content;
}

/** A claimed batch's mutations read back from the body it is sent as, each payload checked with the protocol's schema. */
export function sentMutations(batch: ClaimedBatch): Mutation[] {
  const sent = JSON.parse(batch.body) as { mutations: (Omit<Mutation, 'payload'> & { payload: unknown })[] };
  return sent.mutations.map((m) => ({ ...m, payload: MutationPayload.parse(m.payload) }));
}
