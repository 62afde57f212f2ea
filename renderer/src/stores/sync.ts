import { create } from 'zustand';
import type { ConflictView, ContractError, RejectionView, SyncStatus } from '../../../shared/contract';
import type { CallRecordContent } from '../../../shared/domain/call-record';
import { desk } from '../client/desk';
import { syncAnnouncement, type AnnounceMemory } from '../features/sync/sync-text';
import { announce, useApp } from './app';
import { useCallSession } from './call-session';

/*
 * Sync as the screen sees it: the core's status (pushed as `sync.status` events), the conflicts and
 * refused changes to settle, sign-in and sign-out, and the one polite announcement of what changed.
 */

export type ResolveChoice = 'keep_mine' | 'keep_theirs' | 'merged';

interface SyncState {
  status: SyncStatus | null;
  /** The latest announcement for the status bar's polite live region. */
  announcement: { id: number; text: string } | null;
  memory: AnnounceMemory;
  conflicts: ConflictView[];
  conflictsLoaded: boolean;
  /** Refused changes, acknowledged ones included (they are kept for good). */
  rejections: RejectionView[];
  rejectionsLoaded: boolean;
  /** The sign-in address when the browser would not open a tab for it: shown as a link. */
  signInLink: string | null;
  setStatus(status: SyncStatus): void;
  /** A `sync.status` event from the core (newer than any answer to a call made before it). */
  statusEvent(status: SyncStatus): void;
  refresh(): Promise<void>;
  loadConflicts(): Promise<void>;
  loadRejections(): Promise<void>;
  resolve(id: string, choice: ResolveChoice, content?: CallRecordContent): Promise<ContractError | null>;
  acknowledge(mutationId: string): Promise<ContractError | null>;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  syncNow(): Promise<void>;
  say(text: string): void;
}

let announcementId = 0;
/**
 * Bumped by every `sync.status` event. An answer to a call made before the latest event is older
 * than it (the core answers a call after handling it, and a save handled meanwhile emits at once):
 * such an answer is dropped rather than put a stale count back on screen.
 */
let eventsSeen = 0;

const CHOICE_DONE: Record<ResolveChoice, string> = {
  keep_mine: 'Conflict resolved: this desk’s version is kept and is being sent to the server.',
  keep_theirs: 'Conflict resolved: the server’s version is kept and is now on this desk.',
  merged: 'Conflict resolved: your merged version is saved and is being sent to the server.',
};

/** Refreshes the directory's description (its age moves on every check, which sends no event). */
async function refreshDirectoryInfo(): Promise<void> {
  const r = await desk().call('system.info', {});
  if (r.ok) useApp.getState().setDirectory(r.value.directory);
}

export const useSync = create<SyncState>((set, get) => ({
  status: null,
  announcement: null,
  memory: { backlog: false },
  conflicts: [],
  conflictsLoaded: false,
  rejections: [],
  rejectionsLoaded: false,
  signInLink: null,

  setStatus(status) {
    const prev = get().status;
    const { message, memory } = syncAnnouncement(prev, status, get().memory);
    set({ status, memory, ...(status.signedIn ? { signInLink: null } : {}) });
    // Signed in: the note about the sign-in tab has done its job.
    if (prev && !prev.signedIn && status.signedIn) useApp.setState({ toast: null });
    if (message) get().say(message);
    if (!prev || prev.conflicts !== status.conflicts) void get().loadConflicts();
    if (!prev || prev.rejected !== status.rejected) void get().loadRejections();
    // A directory check ends: its "updated … ago" moved on even when nothing changed.
    if (prev && prev.activity === 'directory' && status.activity !== 'directory') void refreshDirectoryInfo();
  },

  statusEvent(status) {
    eventsSeen++;
    get().setStatus(status);
  },

  async refresh() {
    const seen = eventsSeen;
    const r = await desk().call('sync.status', {});
    if (r.ok && seen === eventsSeen) get().setStatus(r.value);
  },

  async loadConflicts() {
    const r = await desk().call('sync.conflicts', {});
    if (r.ok) set({ conflicts: r.value, conflictsLoaded: true });
  },

  async loadRejections() {
    const r = await desk().call('sync.rejections', { includeAcknowledged: true });
    if (r.ok) set({ rejections: r.value, rejectionsLoaded: true });
  },

  async resolve(id, choice, content) {
    const conflict = get().conflicts.find((c) => c.id === id);
    const session = useCallSession.getState();
    // What is typed in the record open on screen is saved first, so the choice is made on it.
    if (conflict && session.record?.id === conflict.recordId) await session.settle();
    const r = await desk().call('sync.resolveConflict', { id, choice, ...(content ? { content } : {}) });
    if (!r.ok) return r.error;
    set({ conflicts: r.value, conflictsLoaded: true });
    if (conflict) await useCallSession.getState().reloadIfOpen(conflict.recordId);
    get().say(CHOICE_DONE[choice]);
    void get().refresh();
    return null;
  },

  async acknowledge(mutationId) {
    const r = await desk().call('sync.acknowledgeRejection', { mutationId });
    if (!r.ok) return r.error;
    await get().loadRejections();
    void get().refresh();
    return null;
  },

  async signIn() {
    const r = await desk().call('auth.signIn', {});
    if (!r.ok) {
      announce(r.error.message, 'warning');
      return;
    }
    get().setStatus(r.value.status);
    const openUrl = r.value.openUrl;
    if (!openUrl) {
      // The desktop app opens the system browser itself.
      announce('Sign in in the browser window that has opened, then come back here.', 'info');
      return;
    }
    const url = new URL(openUrl, window.location.href).toString();
    const tab = window.open(url, '_blank');
    if (tab) {
      try {
        tab.opener = null;
      } catch {
        // Already navigated away: nothing to cut.
      }
      announce('The sign-in page has opened in a new tab. Come back to this tab once you have signed in.', 'info');
    } else {
      set({ signInLink: url });
      announce('The browser did not open the sign-in page: use the “Open the sign-in page” link in the status bar.', 'warning');
    }
  },

  async signOut() {
    const r = await desk().call('auth.signOut', {});
    if (r.ok) get().setStatus(r.value);
  },

  async syncNow() {
    const seen = eventsSeen;
    const r = await desk().call('sync.now', {});
    if (r.ok && seen === eventsSeen) get().setStatus(r.value);
  },

  say(text) {
    set({ announcement: { id: ++announcementId, text } });
  },
}));
