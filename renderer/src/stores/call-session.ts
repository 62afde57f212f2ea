import { create } from 'zustand';
import type { ContractError, ServiceResult } from '../../../shared/contract';
import type { CallRecord, CallSummary, DraftContent } from '../../../shared/domain/call-record';
import type { FinaliseIssue } from '../../../shared/domain/finalise';
import { callerAgeYears, finaliseIssues } from '../../../shared/domain/finalise';
import { desk } from '../client/desk';
import { emptyStart, focusWhenReady, recordStart } from '../lib/focus';
import { Autosaver, type SaveState } from '../features/call/autosave';
import { fitDraft } from '../features/call/fit-draft';
import { FIELD_LABELS } from '../features/call/labels';
import { recordFieldLabel } from '../../../shared/domain/record-fields';
import { announce, useApp } from './app';

/*
 * The call open on the screen: the record as the core last gave it, its autosave, and what the
 * form currently holds. Only one record is open at a time; opening another flushes this one first.
 * Which record is open is kept by the core (calls.setOpenOnDesk, in desk.db), never in the
 * browser's storage: a reload, a fresh tab or a restart of the desk reopens it from there.
 */

export interface Notice {
  tone: 'warning' | 'error' | 'info';
  title: string;
  body: string;
  /** Text that was on screen but not saved when the record changed elsewhere, by field. */
  unsaved?: { field: string; mine: string }[];
}

/** What the form lets others do to it (the directory panel links services through this). */
export interface FormApi {
  addReferral(result: ServiceResult): 'added' | 'already';
}

interface CallSessionState {
  record: CallRecord | null;
  /** Bumped whenever the form must start again from `record` (opened, reloaded after a conflict). */
  formKey: number;
  save: SaveState;
  /** The content as the form holds it now (saved or not). */
  live: DraftContent | null;
  /**
   * Fields whose text is on screen but too long to save even in a draft (the whole record would
   * pass DRAFT_MAX_BYTES): the rest of the record is saved without them.
   */
  heldBack: string[];
  /** The caller's age and postcode as typed, for the directory's filters. */
  context: { age: number | null; postcode: string };
  /** Show the finalise issues at the top of the record (after a finalise was asked for). */
  showIssues: boolean;
  /** Issues the core answered with when it refused to finalise. */
  coreIssues: FinaliseIssue[] | null;
  notice: Notice | null;
  busy: boolean;
  calls: CallSummary[];
  callsLoaded: boolean;
  formApi: FormApi | null;
  /**
   * Who the core files changes under (the desk user), as the last sync status said; null: nobody
   * signed in; undefined: not known yet. Every change is sent naming them, so the core refuses one
   * made on a screen that has not caught up with a sign-in or sign-out.
   */
  deskUser: string | null | undefined;

  newCall(): Promise<void>;
  open(id: string): Promise<void>;
  closeRecord(): Promise<void>;
  restore(): Promise<void>;
  contentChanged(content: DraftContent): void;
  saveNow(): Promise<boolean>;
  /** Saves what is pending without announcing it (leaving a field). */
  flush(): void;
  /** Saves what is pending and waits for it; true when everything on screen is saved. */
  settle(): Promise<boolean>;
  /** The stored record changed outside the form (a conflict was resolved): show it again if it is open. */
  reloadIfOpen(id: string): Promise<void>;
  requestFinalise(): Promise<void>;
  confirmFinalise(): Promise<void>;
  discard(reason: string): Promise<ContractError | null>;
  /** `callbackMade`: this addendum records the record's callback as made. */
  addAddendum(text: string, callbackMade?: boolean): Promise<ContractError | null>;
  refreshCalls(): Promise<void>;
  /** Records pulled from the server (written on another desk) changed this desk's copies: list them. */
  recordsChanged(): void;
  /** Links a directory service to the open draft; says what became of it (the directory moves focus on 'added'). */
  linkService(result: ServiceResult): 'added' | 'already' | 'refused';
  setFormApi(api: FormApi | null): void;
  dismissNotice(): void;
  setDeskUser(id: string | null): void;
  /**
   * Someone signed in or out elsewhere (another tab, the app's menu): the previous person's record
   * leaves the screen. Nothing more is saved from it: it would be saved under the new person.
   */
  closeForSessionChange(): void;
  /** The signed-in person says the open record, written while nobody was signed in, is theirs. */
  claimOpen(): Promise<ContractError | null>;
}

/** Whether the desk user may change this record: only its author changes a draft (the core enforces it too). */
export function canEdit(record: Pick<CallRecord, 'status' | 'createdBy'>, deskUser: string | null | undefined): boolean {
  return record.status === 'draft' && (deskUser === undefined || (record.createdBy?.userId ?? null) === deskUser);
}

/** The desk user to name with a change, when the screen knows who it is. */
const as = (deskUser: string | null | undefined) => (deskUser === undefined ? {} : { authorId: deskUser });

let saver: Autosaver | null = null;
/** Lists of calls asked for, and the newest shown: an older answer never replaces a newer one. */
let listAsked = 0;
let listShown = 0;
/** The last draft handed to autosave: what a field too long to save falls back to. */
let lastSent: DraftContent | null = null;

/** Tells the core which record is open on this desk (best effort: the list of calls always has it too). */
function remember(id: string | null) {
  void desk().call('calls.setOpenOnDesk', { id });
}

function contextOf(c: DraftContent | null) {
  return { age: c ? callerAgeYears(c) : null, postcode: c?.caller.postcode.trim() ?? '' };
}

/** Leaf text fields that differ between what was on screen and what is stored now. */
export function unsavedDifferences(mine: DraftContent, stored: DraftContent): { field: string; mine: string }[] {
  const out: { field: string; mine: string }[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (typeof a === 'string') {
      if (a !== b && a.trim()) out.push({ field: path, mine: a });
      return;
    }
    if (a && typeof a === 'object' && !Array.isArray(a)) {
      for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown> | undefined)?.[k], path ? `${path}.${k}` : k);
    }
  };
  walk(mine, stored, '');
  return out;
}

export const useCallSession = create<CallSessionState>((set, get) => {
  const startAutosave = (record: CallRecord) => {
    saver?.stop();
    saver = null;
    lastSent = record.content;
    if (!canEdit(record, get().deskUser)) return;
    const author = as(get().deskUser);
    saver = new Autosaver({
      id: record.id,
      revision: record.revision,
      content: record.content,
      savedAt: record.updatedAt,
      save: (p) => desk().call('calls.save', { ...p, ...author }),
      onState: (save) => set({ save }),
      onRevision: (revision) => set((s) => (s.record ? { record: { ...s.record, revision } } : {})),
      onConflict: (error, unsaved) => {
        // Someone else is the desk user now: what was typed is not shown to them.
        if (error.code === 'session_changed') get().closeForSessionChange();
        else void reloadAfterConflict(record.id, error, unsaved);
      },
    });
  };

  const show = (record: CallRecord) => {
    startAutosave(record);
    remember(record.status === 'discarded' ? null : record.id);
    set((s) => ({
      record,
      live: record.content,
      context: contextOf(record.content),
      heldBack: [],
      formKey: s.formKey + 1,
      save: { kind: 'saved', at: record.updatedAt },
      showIssues: false,
      coreIssues: null,
    }));
  };

  const reloadAfterConflict = async (id: string, error: ContractError, unsaved: DraftContent) => {
    const r = await desk().call('calls.get', { id });
    if (!r.ok) {
      set({ notice: { tone: 'error', title: 'This record could not be reloaded', body: r.error.message } });
      return;
    }
    const differences = unsavedDifferences(unsaved, r.value.content);
    show(r.value);
    if (differences.length === 0) {
      // Our own save had landed before the answer was lost: nothing differs, nothing to say.
      if (error.code === 'revision_conflict') return;
    }
    const what =
      r.value.status === 'finalised'
        ? 'It has been finalised elsewhere, so it can no longer be changed: add an addendum instead.'
        : r.value.status === 'discarded'
          ? 'It has been discarded.'
          : error.code === 'record_not_yours'
            ? 'It is shown read-only.'
            : 'The saved version is shown now.';
    set({
      notice: {
        tone: 'warning',
        title: 'This record changed elsewhere and has been reloaded',
        body: `${error.message} ${what}${differences.length ? ' What you had typed that is not in the saved version is below: copy anything still needed back into the record.' : ''}`,
        unsaved: differences,
      },
    });
  };

  return {
    record: null,
    formKey: 0,
    save: { kind: 'saved', at: new Date().toISOString() },
    live: null,
    heldBack: [],
    context: { age: null, postcode: '' },
    showIssues: false,
    coreIssues: null,
    notice: null,
    busy: false,
    calls: [],
    callsLoaded: false,
    formApi: null,
    deskUser: undefined,

    async newCall() {
      if (saver) await saver.flush();
      const r = await desk().call('calls.create', as(get().deskUser));
      if (!r.ok) {
        set({ notice: { tone: 'error', title: 'A new call could not be started', body: r.error.message } });
        return;
      }
      set({ notice: null });
      show(r.value);
      focusWhenReady(recordStart);
      announce('New call started. The record saves as you type.', 'success');
      void get().refreshCalls();
    },

    async open(id) {
      if (get().record?.id === id) return;
      if (saver) await saver.flush();
      const r = await desk().call('calls.get', { id });
      if (!r.ok) {
        set({ notice: { tone: 'error', title: 'That call could not be opened', body: r.error.message } });
        return;
      }
      set({ notice: null });
      show(r.value);
      focusWhenReady(recordStart);
      void get().refreshCalls();
    },

    async closeRecord() {
      if (saver) await saver.flush();
      saver?.stop();
      saver = null;
      remember(null);
      set({ record: null, live: null, heldBack: [], context: contextOf(null), notice: null, showIssues: false, coreIssues: null });
      focusWhenReady(emptyStart);
      void get().refreshCalls();
    },

    async restore() {
      await get().refreshCalls();
      const r = await desk().call('calls.openOnDesk', {});
      // Not if the clinician has meanwhile started or opened another call: that is the one they are on.
      if (r.ok && r.value && !get().record) {
        show(r.value);
        focusWhenReady(recordStart);
      }
    },

    contentChanged(content) {
      const fitted = lastSent ? fitDraft(content, lastSent) : { content, heldBack: [] };
      lastSent = fitted.content;
      const heldBack = get().heldBack;
      const same = heldBack.length === fitted.heldBack.length && heldBack.every((f, i) => f === fitted.heldBack[i]);
      set({ live: content, context: contextOf(content), ...(same ? {} : { heldBack: fitted.heldBack }) });
      saver?.change(fitted.content);
    },

    async saveNow() {
      if (!saver) return true;
      const ok = await saver.flush();
      if (ok) announce('Saved.', 'success');
      return ok;
    },

    flush() {
      void saver?.flush();
    },

    async settle() {
      return saver ? saver.flush() : true;
    },

    async reloadIfOpen(id) {
      if (get().record?.id !== id) return;
      const r = await desk().call('calls.get', { id });
      if (!r.ok || get().record?.id !== id) return;
      show(r.value);
      void get().refreshCalls();
    },

    async requestFinalise() {
      const { record, live } = get();
      if (!record || record.status !== 'draft' || !live) return;
      const issues = finaliseIssues(live);
      if (issues.length > 0) {
        set({ showIssues: true, coreIssues: null });
        focusWhenReady(() => document.getElementById('finalise-issues'));
        return;
      }
      useApp.getState().openDialog('finalise');
    },

    async confirmFinalise() {
      const { record, busy } = get();
      if (!record || !saver || busy) return;
      set({ busy: true });
      const saved = await saver.flush();
      if (!saved) {
        set({ busy: false });
        useApp.getState().closeDialog();
        const state = saver?.current;
        set({ notice: { tone: 'error', title: 'Not finalised: the latest changes are not saved yet', body: state?.kind === 'failed' ? state.reason : 'Try again in a moment.' } });
        return;
      }
      const r = await desk().call('calls.finalise', { id: record.id, revision: saver.revision, ...as(get().deskUser) });
      set({ busy: false });
      useApp.getState().closeDialog();
      if (!r.ok) {
        if (r.error.code === 'finalise_incomplete') {
          set({ showIssues: true, coreIssues: r.error.fields?.map((f) => ({ field: f.field, message: f.message })) ?? [] });
          focusWhenReady(() => document.getElementById('finalise-issues'));
        } else if (r.error.code === 'revision_conflict' || r.error.code === 'record_finalised' || r.error.code === 'record_discarded') {
          await reloadAfterConflict(record.id, r.error, get().live ?? record.content);
        } else {
          set({ notice: { tone: 'error', title: 'The record was not finalised', body: r.error.message } });
        }
        return;
      }
      show({ ...r.value, addenda: record.addenda });
      set({ notice: null });
      // The finalised record's status line: the next Tab reaches Close record, then the addendum.
      focusWhenReady(() => document.getElementById('record-status'));
      announce('Call record finalised. It can no longer be changed; add an addendum to correct or add to it.', 'success');
      void get().refreshCalls();
    },

    async discard(reason) {
      const { record } = get();
      if (!record || !saver) return null;
      await saver.flush();
      const r = await desk().call('calls.discard', { id: record.id, revision: saver.revision, reason, ...as(get().deskUser) });
      if (!r.ok) return r.error;
      saver.stop();
      saver = null;
      remember(null);
      set({ record: null, live: null, heldBack: [], context: contextOf(null), notice: { tone: 'info', title: 'Draft discarded', body: `The draft was discarded (${reason.trim()}). It is kept on this desk with its reason, and is no longer in the list of calls.` } });
      announce('Draft discarded.', 'info');
      focusWhenReady(emptyStart);
      void get().refreshCalls();
      return null;
    },

    async addAddendum(text, callbackMade = false) {
      const { record } = get();
      if (!record) return null;
      const r = await desk().call('calls.addAddendum', { id: record.id, text, ...(callbackMade ? { callbackMade } : {}), ...as(get().deskUser) });
      if (!r.ok) return r.error;
      set((s) => (s.record ? { record: { ...s.record, addenda: [...s.record.addenda, r.value] } } : {}));
      announce(callbackMade ? 'Addendum added: the callback is recorded as made.' : 'Addendum added to the record.', 'success');
      // The list of calls (and the status bar's callbacks due) changes with a callback made.
      if (callbackMade) void get().refreshCalls();
      return null;
    },

    async refreshCalls() {
      const mine = ++listAsked;
      const r = await desk().call('calls.list', { statuses: ['draft', 'finalised'], limit: 100 });
      if (!r.ok || mine < listShown) return;
      listShown = mine;
      set({ calls: r.value, callsLoaded: true });
    },

    recordsChanged() {
      void get().refreshCalls();
    },

    linkService(result) {
      const { record, formApi } = get();
      if (!record) {
        announce('Start or open a call first (Alt+N), then link the service to it.', 'warning');
        return 'refused';
      }
      if (record.status === 'draft' && !canEdit(record, get().deskUser)) {
        const whose = record.createdBy ? `${record.createdBy.displayName}’s` : 'nobody’s yet';
        announce(`This draft is ${whose}: only its author can add a referral to it.`, 'warning');
        return 'refused';
      }
      if (record.status !== 'draft' || !formApi) {
        announce('This record is finalised: add an addendum to record another referral.', 'warning');
        return 'refused';
      }
      const outcome = formApi.addReferral(result);
      announce(outcome === 'added' ? `${result.service.name} added to the call’s referrals.` : `${result.service.name} is already in this call’s referrals.`, outcome === 'added' ? 'success' : 'info');
      return outcome;
    },

    setFormApi: (formApi) => set({ formApi }),
    dismissNotice: () => set({ notice: null }),

    setDeskUser(id) {
      const before = get().deskUser;
      if (before === id) return;
      set({ deskUser: id });
      // First heard of who is signed in: an open record may turn out not to be theirs to change.
      const record = get().record;
      if (before === undefined && record && saver && !canEdit(record, id)) show(record);
    },

    closeForSessionChange() {
      const had = get().record !== null;
      const unsaved = saver?.dirty ?? false;
      saver?.stop();
      saver = null;
      remember(null);
      set({
        record: null,
        live: null,
        context: contextOf(null),
        showIssues: false,
        coreIssues: null,
        // Nothing about the caller: the next person at the desk reads this.
        notice: had
          ? {
              tone: unsaved ? 'warning' : 'info',
              title: 'The record that was open has been closed',
              body: `Someone signed in or out on this desk, so the previous person’s record is no longer shown. It is kept on this desk.${unsaved ? ' What was typed in the last moment before that was not saved: it would have been filed under the new person.' : ''}`,
            }
          : null,
      });
      void get().refreshCalls();
    },

    async claimOpen() {
      const { record } = get();
      if (!record) return null;
      const r = await desk().call('sync.claim', { recordIds: [record.id] });
      if (!r.ok) return r.error;
      const again = await desk().call('calls.get', { id: record.id });
      if (again.ok) show(again.value);
      announce('The record is filed under your name now and is being sent.', 'success');
      void get().refreshCalls();
      return null;
    },
  };
});

/** Typing on screen that the desk has not saved yet (its save is pending, failing, or the desk is down). */
export function hasUnsavedWork(): boolean {
  return saver?.dirty ?? false;
}

/** The desk is reachable again: whatever waits to be saved goes now, without waiting out a backoff. */
export function retrySaves(): void {
  saver?.retryNow();
}

/**
 * Leaving or reloading the page while anything typed is unsaved asks first (the browser's own
 * "Leave site?" dialog): with the desk down, that text exists only on this screen.
 */
export function askBeforeLeavingUnsaved(): () => void {
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!hasUnsavedWork()) return;
    void saver?.flush();
    e.preventDefault();
    // Older Chromium needs returnValue set to show the dialog.
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  return () => window.removeEventListener('beforeunload', onBeforeUnload);
}

/** Saves at once when the window is hidden or closed (best effort: the socket may already be going). */
export function flushOnHide(): () => void {
  const onHide = () => {
    if (document.visibilityState === 'hidden') void saver?.flush();
  };
  const onPageHide = () => void saver?.flush();
  document.addEventListener('visibilitychange', onHide);
  window.addEventListener('pagehide', onPageHide);
  return () => {
    document.removeEventListener('visibilitychange', onHide);
    window.removeEventListener('pagehide', onPageHide);
  };
}

export function labelOfField(path: string): string {
  return FIELD_LABELS[path] ?? recordFieldLabel(path);
}
