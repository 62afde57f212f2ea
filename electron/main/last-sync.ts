import path from 'node:path';
import type { CoreLifecycleMessage } from '../../shared/contract';
import { LatestFile, readTextIfExists } from '../node/durable-file';

/*
 * The last sync counts the core reported (never any record content), kept beside desk.db by main.
 * When desk.db can no longer be opened (its key will not unwrap) the core cannot say how much is
 * unsynced, so the reset warning reads it from here.
 *
 * The core reports counts on every sync status change (a push of 1,000 records is hundreds of
 * them): a synchronous write and two fsyncs each would stall main's thread, which draws the window.
 * They are written off the thread instead, only when changed, coalesced to the latest (LatestFile);
 * quitting waits for the last one (main.ts).
 */

export type SyncCounts = Omit<Extract<CoreLifecycleMessage, { kind: 'status' }>, 'kind'> & { reportedAt: string };

export const LAST_SYNC_FILE = 'last-sync.json';

export class LastSyncFile {
  private last: string | null = null;
  /** The counts last recorded by this process (null until the first): what the file will hold. */
  private recorded: SyncCounts | null = null;
  private readonly writer: LatestFile;

  constructor(
    private readonly dataDir: string,
    private readonly now: () => Date = () => new Date(),
    onWriteError: (e: unknown) => void = () => {},
  ) {
    this.writer = new LatestFile(this.file, onWriteError);
  }

  private get file(): string {
    return path.join(this.dataDir, LAST_SYNC_FILE);
  }

  /** Keeps the counts when they changed (the file is rewritten only then, off the thread). */
  record(status: Omit<SyncCounts, 'reportedAt'>): void {
    const counts = { waiting: status.waiting, conflicts: status.conflicts, rejected: status.rejected, lastSyncedAt: status.lastSyncedAt };
    const key = JSON.stringify(counts);
    if (key === this.last) return;
    this.last = key;
    this.recorded = { ...counts, reportedAt: this.now().toISOString() };
    this.writer.write(`${JSON.stringify(this.recorded)}\n`);
  }

  /** True while recorded counts are still to reach the disk. */
  get pending(): boolean {
    return this.writer.pending;
  }

  /** Resolves once every count recorded so far is on disk. */
  settled(): Promise<void> {
    return this.writer.settled();
  }

  read(): SyncCounts | null {
    if (this.recorded) return this.recorded;
    try {
      const v = JSON.parse(readTextIfExists(this.file) ?? 'null') as Partial<SyncCounts> | null;
      if (!v || typeof v.waiting !== 'number' || typeof v.reportedAt !== 'string') return null;
      return { waiting: v.waiting, conflicts: v.conflicts ?? 0, rejected: v.rejected ?? 0, lastSyncedAt: v.lastSyncedAt ?? null, reportedAt: v.reportedAt };
    } catch {
      return null;
    }
  }
}

/**
 * What the clinician is told before a reset: how many changes had not reached the server when the
 * desk last knew, or that nobody knows. A reset never looks harmless when it might not be.
 */
export function unsyncedWarning(counts: SyncCounts | null, serverConfigured: boolean): string {
  if (!serverConfigured) {
    return 'This desk has no server configured, so none of its call records have been sent anywhere. Resetting means they can no longer be read here.';
  }
  if (!counts) {
    return 'Crisis Desk does not know whether every record on this desk reached the server. Records not yet synced would no longer be readable here.';
  }
  const when = new Date(counts.reportedAt).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' });
  const unresolved = counts.conflicts + counts.rejected;
  if (counts.waiting === 0 && unresolved === 0) {
    return `When this desk last checked (${when}), everything had reached the server. Anything typed after that would no longer be readable here.`;
  }
  const parts = [counts.waiting > 0 ? `${counts.waiting} change${counts.waiting === 1 ? '' : 's'} had not yet reached the server` : null, unresolved > 0 ? `${unresolved} conflict${unresolved === 1 ? '' : 's'} or rejected change${unresolved === 1 ? '' : 's'} were waiting for a decision` : null].filter(Boolean);
  return `When this desk last checked (${when}), ${parts.join(' and ')}. Those would no longer be readable here: write down what matters from the calls concerned before resetting, or ask IT to recover the old files.`;
}
