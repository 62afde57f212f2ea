import { hasErrorCode, type ContractError, type Envelope, type ErrorCode, type SaveResult } from '../../../../shared/contract';
import type { CallRecordContent } from '../../../../shared/domain/call-record';

/*
 * Autosave of one draft: the clinician never presses save. Changes are saved ~400 ms after typing
 * stops, at once on savePending() (Ctrl+S, leaving a field, hiding the window), one save at a time, each
 * naming the revision it was made on. A save that fails because the core is unreachable is retried
 * with backoff while the text stays on screen; a revision conflict is never overwritten: the owner
 * is told, reloads the record and shows the clinician what differed.
 *
 * While the desk cannot be reached (core_unreachable) nothing is lost: the text stays on screen
 * (the owner warns before the page is left), saves are retried with backoff, and retryNow() goes
 * at once when the connection is back. A save sent just as the connection dropped may have landed
 * without its answer: it is sent again first, unchanged (the core answers it without a second
 * revision), and only then what was typed after it, so saves land in order and never conflict
 * with themselves.
 */

export type SaveState =
  | { kind: 'saved'; at: string }
  | { kind: 'pending' }
  | { kind: 'saving' }
  | { kind: 'failed'; reason: string; retrying: boolean };

export interface AutosaverOptions {
  id: string;
  revision: number;
  content: CallRecordContent;
  savedAt: string;
  save(params: { id: string; revision: number; content: CallRecordContent }): Promise<Envelope<SaveResult>>;
  onState(state: SaveState): void;
  onRevision?(revision: number): void;
  /** The stored record moved on without us (another window, finalised, discarded): reload it. */
  onConflict(error: ContractError, unsaved: CallRecordContent): void;
  debounceMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

// record_not_yours / session_changed: not this person's to change (any more): never retried under someone else's name.
const CONFLICTS: readonly ErrorCode[] = ['revision_conflict', 'record_finalised', 'record_discarded', 'not_found', 'record_not_yours', 'session_changed'];
const RETRYABLE: readonly ErrorCode[] = ['core_unreachable', 'internal', 'storage_full', 'storage_failed', 'directory_unavailable'];

export class Autosaver {
  private latest: CallRecordContent;
  private latestJson: string;
  private savedJson: string;
  private rev: number;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private retries = 0;
  private pump: Promise<void> | null = null;
  private lastFailed = false;
  /** A save whose outcome is not known (its answer never came): sent again, as it was, before anything newer. */
  private uncertain: { content: CallRecordContent; json: string } | null = null;
  /** retryNow() came while a save was in flight: if that save fails, the next goes without a backoff. */
  private retrySoon = false;
  private stopped = false;
  private state: SaveState;

  constructor(private readonly o: AutosaverOptions) {
    this.latest = o.content;
    this.latestJson = this.savedJson = JSON.stringify(o.content);
    this.rev = o.revision;
    this.state = { kind: 'saved', at: o.savedAt };
  }

  get revision(): number {
    return this.rev;
  }

  get dirty(): boolean {
    return this.latestJson !== this.savedJson;
  }

  get current(): SaveState {
    return this.state;
  }

  /** The form changed. */
  change(content: CallRecordContent): void {
    if (this.stopped) return;
    this.latest = content;
    this.latestJson = JSON.stringify(content);
    if (!this.dirty) {
      if (!this.pump && this.state.kind !== 'saved' && !this.retry) this.setState({ kind: 'saved', at: new Date().toISOString() });
      return;
    }
    if (this.state.kind !== 'saving' && !(this.state.kind === 'failed' && this.retry)) this.setState({ kind: 'pending' });
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.ensurePump();
    }, this.o.debounceMs ?? 400);
  }

  /** Saves what is pending now. Resolves true when everything on screen is saved. */
  async savePending(): Promise<boolean> {
    if (this.stopped) return !this.dirty;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = null;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.ensurePump();
    if (this.dirty && !this.lastFailed && !this.stopped) await this.ensurePump();
    return !this.dirty;
  }

  /** The desk is reachable again: a save waiting out its backoff goes now. */
  retryNow(): void {
    if (this.stopped || !this.dirty) return;
    // A save in flight (sent before the connection came back) may still fail: then retry at once.
    if (this.pump) this.retrySoon = true;
    else void this.savePending();
  }

  /** No more saves (the record was finalised, discarded or closed). */
  stop(): void {
    this.stopped = true;
    if (this.debounce) clearTimeout(this.debounce);
    if (this.retry) clearTimeout(this.retry);
  }

  private setState(s: SaveState) {
    this.state = s;
    this.o.onState(s);
  }

  private ensurePump(): Promise<void> {
    this.pump ??= this.drain().finally(() => {
      this.pump = null;
    });
    return this.pump;
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.dirty) {
      if (!(await this.saveOnce())) return;
    }
  }

  private async saveOnce(): Promise<boolean> {
    const resend = this.uncertain && this.uncertain.json !== this.latestJson ? this.uncertain : null;
    const content = resend?.content ?? this.latest;
    const json = resend?.json ?? this.latestJson;
    // While retrying after a failure, keep saying "not saved" until a save succeeds.
    if (!this.lastFailed) this.setState({ kind: 'saving' });
    const r = await this.o.save({ id: this.o.id, revision: this.rev, content });
    if (this.stopped) return false;
    if (r.ok) {
      this.uncertain = null;
      this.retrySoon = false;
      this.lastFailed = false;
      this.retries = 0;
      this.savedJson = json;
      if (r.value.revision !== this.rev) {
        this.rev = r.value.revision;
        this.o.onRevision?.(this.rev);
      }
      this.setState(this.dirty ? { kind: 'pending' } : { kind: 'saved', at: r.value.savedAt });
      return true;
    }
    this.lastFailed = true;
    const { error } = r;
    if (hasErrorCode(error, ...CONFLICTS)) {
      this.stop();
      this.setState({ kind: 'failed', reason: error.message, retrying: false });
      this.o.onConflict(error, this.latest);
      return false;
    }
    // Unreachable: this save may have landed without its answer. Keep the first such save (the
    // oldest whose fate is unknown) until one answer comes back.
    if (hasErrorCode(error, 'core_unreachable')) this.uncertain ??= { content, json };
    const retrying = hasErrorCode(error, ...RETRYABLE);
    const reason = error.fields?.length ? `${error.message} (${error.fields.map((f) => f.field).join(', ')})` : error.message;
    this.setState({ kind: 'failed', reason, retrying });
    if (retrying) {
      const backoff = Math.min(this.o.retryMaxMs ?? 10_000, (this.o.retryBaseMs ?? 1000) * 2 ** Math.min(this.retries++, 6));
      const delay = this.retrySoon ? 0 : backoff;
      this.retrySoon = false;
      if (this.retry) clearTimeout(this.retry);
      this.retry = setTimeout(() => {
        this.retry = null;
        void this.ensurePump();
      }, delay);
    }
    return false;
  }
}
