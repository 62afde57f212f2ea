import type { SyncStatus } from '../../../shared/contract';

/** A desk's sync status for tests: online, all synced at 14:25 on 22 November 2026, unless told otherwise. */
export const syncStatus = (s: Partial<SyncStatus> = {}): SyncStatus => ({
  connection: 'online',
  offlineSince: null,
  activity: 'idle',
  waiting: 0,
  lastSyncedAt: '2026-11-22T14:25:00Z',
  conflicts: 0,
  rejected: 0,
  paused: null,
  signedIn: true,
  userName: 'Sam Clinician',
  directoryProgress: null,
  session: { user: SAM, state: 'signed_in' },
  queues: [],
  ...s,
});

/** The clinician signed in in these tests. */
export const SAM = { userId: 'sam', displayName: 'Sam Clinician', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician' as const] };
