import { create } from 'zustand';
import type { ConflictView, ContractError, RejectionView, SyncStatus, WaitingGroup } from '../../../shared/contract';
import type { CallRecordContent } from '../../../shared/domain/call-record';
import { hasRole } from '../../../shared/domain/people';
import { desk } from '../client/desk';
import { signedOutMessage, syncAnnouncement, type AnnounceMemory } from './sync-text';
import { announce, useApp } from './app';
import { useCallSession } from './call-session';
import { useDirectory } from './directory';
import { useShift } from './shift';

/*
 * Sync as the screen sees it: the core's status (pushed as `sync.status` events), the conflicts and
 * rejected changes to settle, sign-in and sign-out, and the one polite announcement of what changed.
 *
 * Who is signed in comes with the status. When it changes (a sign-out, someone else signing in)
 * the screen is cleared of the previous person's caller: the open record closes, the directory
 * forgets the search, and any open dialog closes. Signing out from this screen asks first, saves
 * what is typed and sends what waits before anyone else can sign in.
 */

export type SignOutMode = 'sign_out' | 'switch';

export type ResolveChoice = 'keep_mine' | 'keep_theirs' | 'merged';

interface SyncState {
  status: SyncStatus | null;
  /** The latest announcement for the status bar's polite live region. */
  announcement: { id: number; text: string } | null;
  memory: AnnounceMemory;
  conflicts: ConflictView[];
  conflictsLoaded: boolean;
  /** Rejected changes, acknowledged ones included (they are kept for good). */
  rejections: RejectionView[];
  rejectionsLoaded: boolean;
  /** The sign-in address when the browser would not open a tab for it: shown as a link. */
  signInLink: string | null;
  /** Changes waiting on this desk by author, for the view of who waits for what. */
  waiting: WaitingGroup[];
  waitingLoaded: boolean;
  /** What stopped the last sign-out, if anything. */
  signOutError: string | null;
  signingOut: boolean;
  setStatus(status: SyncStatus): void;
  /** A `sync.status` event from the core (newer than any answer to a call made before it). */
  statusEvent(status: SyncStatus): void;
  refresh(): Promise<void>;
  loadConflicts(): Promise<void>;
  loadRejections(): Promise<void>;
  resolve(id: string, choice: ResolveChoice, content?: CallRecordContent): Promise<ContractError | null>;
  acknowledge(mutationId: string): Promise<ContractError | null>;
  signIn(): Promise<void>;
  /** Opens the sign-out dialog (which asks first). */
  requestSignOut(): void;
  /** Saves and closes the open record, clears the caller from the screen, sends what waits, signs out (and, to switch, starts the next sign-in). */
  confirmSignOut(mode?: SignOutMode): Promise<void>;
  signOut(): Promise<void>;
  loadWaiting(): Promise<void>;
  /** The signed-in person says these records' unclaimed changes are theirs. */
  claim(recordIds: string[]): Promise<ContractError | null>;
  syncNow(): Promise<void>;
  say(text: string): void;
}

/** Whether the desk user leads a team or administers a trust: they get the Shift workspace. */
export function mayLeadShifts(status: SyncStatus | null): boolean {
  const session = status?.session;
  return !!session && session.state !== 'signed_out' && hasRole(session.user, 'team_lead', 'admin');
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
  waiting: [],
  waitingLoaded: false,
  signOutError: null,
  signingOut: false,

  setStatus(status) {
    const prev = get().status;
    const { message, memory } = syncAnnouncement(prev, status, get().memory);
    set({ status, memory, ...(status.signedIn ? { signInLink: null } : {}) });
    const user = status.session?.user?.userId ?? null;
    const before = prev?.session?.user?.userId ?? null;
    if (prev && user !== before) {
      // The desk changed hands: nothing of the previous person's caller stays on the screen.
      useCallSession.getState().closeForSessionChange();
      useDirectory.getState().clearCaller();
      useApp.getState().closeDialog();
      // Nor anything of the last person's team: the figures are made again for whoever is here now.
      useShift.getState().reset();
    }
    // The Shift workspace is for team leads and administrators only.
    if (!mayLeadShifts(status) && useApp.getState().workspace === 'shift') useApp.getState().setWorkspace('call');
    useCallSession.getState().setDeskUser(user);
    // Someone signed in and changes made while nobody was signed in wait: ask them, once, whether any were theirs.
    const signedInNow = status.session?.state === 'signed_in' && (!prev || prev.session?.state !== 'signed_in' || user !== before);
    if (prev && signedInNow && status.queues?.some((q) => q.state === 'unclaimed')) useApp.getState().openDialog('claim');
    const queuesChanged = JSON.stringify(prev?.queues ?? []) !== JSON.stringify(status.queues ?? []);
    if (queuesChanged && ['claim', 'waiting'].includes(useApp.getState().dialog ?? '')) void get().loadWaiting();
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
    if (conflict && session.record?.id === conflict.recordId) await session.savePending();
    const authorId = get().status?.session?.user?.userId;
    const r = await desk().call('sync.resolveConflict', { id, choice, ...(content ? { content } : {}), ...(get().status ? { authorId: authorId ?? null } : {}) });
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

  requestSignOut() {
    set({ signOutError: null });
    useApp.getState().openDialog('signOut');
  },

  async confirmSignOut(mode = 'sign_out') {
    set({ signingOut: true, signOutError: null });
    const session = useCallSession.getState();
    // Whatever is typed is saved as the person signing out, before anyone else can sign in.
    if (!(await session.savePending())) {
      const state = useCallSession.getState().save;
      set({ signingOut: false, signOutError: `The open record could not be saved${state.kind === 'failed' ? `: ${state.reason}` : ''}. Nothing has changed: try again in a moment.` });
      return;
    }
    await session.closeRecord();
    useDirectory.getState().clearCaller();
    const me = get().status?.session?.user ?? null;
    const r = await desk().call('auth.signOut', {});
    set({ signingOut: false });
    if (!r.ok) {
      set({ signOutError: r.error.message });
      return;
    }
    useApp.getState().closeDialog();
    get().setStatus(r.value);
    announce(signedOutMessage(r.value, me), r.value.queues.some((q) => q.author?.userId === me?.userId) ? 'warning' : 'info');
    if (mode === 'switch') await get().signIn();
  },

  async signOut() {
    const r = await desk().call('auth.signOut', {});
    if (r.ok) get().setStatus(r.value);
  },

  async loadWaiting() {
    const r = await desk().call('sync.waiting', {});
    if (r.ok) set({ waiting: r.value, waitingLoaded: true });
  },

  async claim(recordIds) {
    const r = await desk().call('sync.claim', { recordIds });
    if (!r.ok) return r.error;
    get().setStatus(r.value.status);
    await get().loadWaiting();
    get().say(`${r.value.claimed === 1 ? '1 change is' : `${r.value.claimed} changes are`} filed under your name now and being sent.`);
    void useCallSession.getState().refreshCalls();
    const open = useCallSession.getState().record;
    if (open && recordIds.includes(open.id)) await useCallSession.getState().reloadIfOpen(open.id);
    return null;
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
