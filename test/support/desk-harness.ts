import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Core, type CoreOptions, type SyncOptions } from '../../electron/core/core';
import type { TokenSource } from '../../electron/core/sync/token-source';
import type { SyncStatus } from '../../shared/contract';
import { emptyCallRecordContent, type CallRecord, type CallRecordContent } from '../../shared/domain/call-record';
import type { TestUser } from './server-fixtures';

export const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

/**
 * Tokens for a desk in tests: minted by the test server's key for one user. `signedIn` can be
 * switched off (the clinician signed out) and `expireNext` makes the next token an expired one.
 */
export class TestTokens implements TokenSource {
  signedIn = true;
  expireNext = false;
  renewals = 0;
  signInRequests = 0;
  private listeners: ((s: { signedIn: boolean; userName: string | null }) => void)[] = [];

  constructor(
    private readonly mint: (user: TestUser, ttlSeconds?: number) => Promise<string>,
    readonly user: TestUser,
  ) {}

  async accessToken(): Promise<string | null> {
    if (!this.signedIn) return null;
    if (this.expireNext) {
      this.expireNext = false;
      return this.mint(this.user, -120);
    }
    return this.mint(this.user);
  }

  async renewAccessToken(): Promise<string | null> {
    this.renewals++;
    return this.signedIn ? this.mint(this.user) : null;
  }

  requestSignIn(): null {
    this.signInRequests++;
    return null;
  }

  requestSignOut(): void {
    this.setSignedIn(false);
  }

  onSessionChanged(listener: (s: { signedIn: boolean; userName: string | null }) => void): void {
    this.listeners.push(listener);
  }

  setSignedIn(signedIn: boolean): void {
    this.signedIn = signedIn;
    for (const l of this.listeners) l({ signedIn, userName: signedIn ? this.user.userId : null });
  }
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
    private readonly options: Pick<CoreOptions, 'now' | 'appVersion'> = {},
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
