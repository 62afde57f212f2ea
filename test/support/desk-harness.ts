import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Core, type CoreOptions, type SyncOptions } from '../../electron/core/core';
import type { SessionSnapshot, TokenSource } from '../../electron/core/sync/token-source';
import type { SyncStatus } from '../../shared/contract';
import { emptyCallRecordContent, type CallRecord, type CallRecordContent } from '../../shared/domain/call-record';
import type { DeskUser } from '../../shared/domain/people';
import type { TestUser } from './server-fixtures';

export const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

/**
 * Tokens for a desk in tests: minted by the test server's key, for whoever is signed in, and for
 * people whose sessions are kept after they left (to send what they left waiting). `signedIn` set
 * to false stops the signed-in session from giving tokens without telling the core (a session
 * that stopped working); `setSignedIn(false)` ends it as a refused renewal does (the person stays
 * the desk user); `signOut()` / `signInAs()` are a person signing out or someone else signing in.
 * `expireNext` makes the next token an expired one; `revoke(id)` a kept session the provider refuses.
 */
export class TestTokens implements TokenSource {
  signedIn = true;
  expireNext = false;
  renewals = 0;
  signInRequests = 0;
  /** Whose tokens were asked for, in order (the signed-in person's as ''). */
  readonly asked: string[] = [];
  /** Kept sessions the core gave back. */
  readonly released: string[] = [];
  private readonly kept = new Map<string, TestUser>();
  private readonly revoked = new Set<string>();
  private listeners: ((s: SessionSnapshot) => void)[] = [];

  constructor(
    private readonly mint: (user: TestUser, ttlSeconds?: number) => Promise<string>,
    public user: TestUser,
  ) {}

  private sessionOf(userId: string | undefined): TestUser | null {
    if (userId === undefined) return this.signedIn ? this.user : null;
    if (userId === this.user.userId && this.signedIn) return this.user;
    return this.kept.get(userId) ?? null;
  }

  async accessToken(userId?: string): Promise<string | null> {
    this.asked.push(userId ?? '');
    const user = this.sessionOf(userId);
    if (!user) return null;
    if (this.revoked.has(user.userId)) return this.mint(user, -120);
    if (this.expireNext && user === this.user) {
      this.expireNext = false;
      return this.mint(user, -120);
    }
    return this.mint(user);
  }

  async renewAccessToken(userId?: string): Promise<string | null> {
    this.renewals++;
    const user = this.sessionOf(userId);
    if (!user) return null;
    if (this.revoked.has(user.userId)) {
      // As the provider refusing a revoked refresh token: the session is dropped.
      this.kept.delete(user.userId);
      this.notify();
      return null;
    }
    return this.mint(user);
  }

  requestSignIn(): null {
    this.signInRequests++;
    return null;
  }

  requestSignOut(): void {
    this.signOut();
  }

  releaseSession(userId: string): void {
    if (!this.kept.delete(userId)) return;
    this.released.push(userId);
    this.notify();
  }

  current(): SessionSnapshot {
    return { user: this.signedIn ? deskUser(this.user) : null, kept: [...this.kept.keys()] };
  }

  onSessionChanged(listener: (s: SessionSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** The signed-in session ends by itself (false) or the same person signs in again (true). */
  setSignedIn(signedIn: boolean): void {
    this.signedIn = signedIn;
    this.notify(!signedIn);
  }

  /** The signed-in person signs out: their session is kept until the core releases it. */
  signOut(): void {
    if (this.signedIn) this.kept.set(this.user.userId, this.user);
    this.signedIn = false;
    this.notify();
  }

  /** Someone signs in; whoever was signed in leaves, their session kept. */
  signInAs(user: TestUser): void {
    if (this.signedIn && this.user.userId !== user.userId) this.kept.set(this.user.userId, this.user);
    this.kept.delete(user.userId);
    this.revoked.delete(user.userId);
    this.user = user;
    this.signedIn = true;
    this.notify();
  }

  /** The provider has revoked this person's session: their next renewal is refused. */
  revoke(userId: string): void {
    this.revoked.add(userId);
  }

  keptSessions(): string[] {
    return [...this.kept.keys()];
  }

  private notify(ended = false): void {
    const snapshot = this.current();
    for (const l of this.listeners) l(ended ? { ...snapshot, ended: true } : snapshot);
  }
}

/** A test user as a desk knows them (the test server names people by their id). */
export function deskUser(u: TestUser): DeskUser {
  return { userId: u.userId, displayName: u.userId, trustId: u.trustId, teamId: u.teamId, roles: u.roles };
}

/** Polls until the check passes (or fails with what it last saw). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A desk core with sync, in its own temp folder, and shortcuts for the calls tests make. */
export class TestDesk {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-sync-'));
  readonly key = randomBytes(32);
  core: Core;

  constructor(
    private readonly sync: SyncOptions,
    private readonly options: Pick<CoreOptions, 'now' | 'appVersion' | 'logError'> = {},
  ) {
    this.core = this.open();
  }

  private open(): Core {
    return Core.open({ dataDir: this.dir, geoDir: GEO_DIR, deskKey: this.key, ...this.options, sync: { watchdogMs: 200, ...this.sync } });
  }

  /** Closes and opens the core again on the same files (a restart). */
  restart(): void {
    this.core.close();
    this.core = this.open();
  }

  async call<T>(method: string, params: unknown = {}): Promise<T> {
    const r = await this.core.handle(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  }

  status(): SyncStatus {
    return this.core.sync!.status();
  }

  async createDraft(summary: string): Promise<CallRecord> {
    const r = await this.call<CallRecord>('calls.create', {});
    const content: CallRecordContent = { ...emptyCallRecordContent(r.content.startedAt), presentingNeed: { categories: ['low_mood'], summary } };
    await this.call('calls.save', { id: r.id, revision: r.revision, content });
    return this.call<CallRecord>('calls.get', { id: r.id });
  }

  async edit(id: string, change: (c: CallRecordContent) => void): Promise<CallRecord> {
    const r = await this.call<CallRecord>('calls.get', { id });
    const content = structuredClone(r.content);
    change(content);
    await this.call('calls.save', { id, revision: r.revision, content });
    return this.call<CallRecord>('calls.get', { id });
  }

  close(): void {
    this.core.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Content complete enough to finalise. */
export function finalisable(c: CallRecordContent): CallRecordContent {
  return {
    ...c,
    caller: { ...c.caller, type: 'self', anonymous: true },
    presentingNeed: { categories: c.presentingNeed.categories.length ? c.presentingNeed.categories : ['low_mood'], summary: c.presentingNeed.summary || 'Synthetic call.' },
    risk: {
      ...c.risk,
      toSelf: { status: 'none_identified', indicators: [], notes: '' },
      toOthers: { status: 'none_identified', indicators: [], notes: '' },
      fromOthers: { status: 'none_identified', indicators: [], notes: '' },
      safeguarding: { ...c.risk.safeguarding, status: 'none_identified' },
      formulation: c.risk.formulation || 'Synthetic: no current risk identified.',
    },
    outcome: { code: '02', notes: '' },
    consent: { informationSharing: 'given', notes: '' },
  };
}
