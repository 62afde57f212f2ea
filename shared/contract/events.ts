import type { DirectoryInfo } from './directory';
import type { LockState } from './shell';
import type { SyncStatus } from './sync';

/** What the core pushes to the screen without being asked. */
export interface CoreEvents {
  'directory.updated': DirectoryInfo;
  'sync.status': SyncStatus;
  /** Something the clinician must know about the desk's own storage (a file moved aside, a full disk). */
  'core.warning': { code: string; message: string };
  /** Pushed by the desktop shell (never the core): the screen was locked or unlocked. */
  'app.lock': LockState;
}

export type EventName = keyof CoreEvents;
