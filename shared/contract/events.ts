import type { DirectoryInfo } from './directory';
import type { LockState } from './shell';
import type { ExportProgressEvent } from './summaries';
import type { SyncStatus } from './sync';

/** What the core pushes to the screen without being asked. */
export interface CoreEvents {
  'directory.updated': DirectoryInfo;
  'sync.status': SyncStatus;
  /** Something the clinician must know about the desk's own storage (a file moved aside, a full disk). */
  'core.warning': { code: string; message: string };
  /** An export's progress, for a progress bar: phases in order, then done, cancelled or failed. */
  'summaries.exportProgress': ExportProgressEvent;
  /**
   * Records pulled from the server (written on another desk) changed this desk's copies: the list
   * of calls and any shift summary on screen are made again. Not sent for a desk's own changes
   * coming back unchanged.
   */
  'sync.recordsChanged': { at: string };
  /** Pushed by the desktop shell (never the core): the screen was locked or unlocked. */
  'app.lock': LockState;
}

export type EventName = keyof CoreEvents;
