import { create } from 'zustand';
import { recordFieldLabel } from '../../../../shared/domain/record-fields';
import { callsList } from './calls-list';
import { editing } from './editing';
import { finalising } from './finalising';
import { opening } from './opening';
import * as guards from './page-guards';
import { showing } from './showing';
import { contextOf, type CallSessionState } from './state';

/*
 * The call open on the screen: the record as the core last gave it, its autosave, and what the
 * form currently holds. Only one record is open at a time; opening another saves what is pending
 * in this one first. Each part is a module of its own: putting a record on the screen and taking
 * it off (showing), which record is open (opening), typing and saving (editing), the record as a
 * whole (finalising), and the list of calls.
 */

export type { CallSessionState, FormApi, Notice } from './state';
export type { SaveState } from './autosave';
export { canEdit } from './state';
export { unsavedDifferences } from './notices';

export const useCallSession = create<CallSessionState>((set, get) => {
  const screen = showing(set, get);
  return {
    record: null,
    saver: null,
    formKey: 0,
    save: { kind: 'saved', at: new Date().toISOString() },
    live: null,
    heldBack: [],
    context: contextOf(null),
    showIssues: false,
    coreIssues: null,
    notice: null,
    busy: false,
    calls: [],
    callsLoaded: false,
    formApi: null,
    deskUser: undefined,
    ...opening(set, get, screen),
    ...editing(set, get, screen),
    ...finalising(set, get, screen),
    ...callsList(set),
    setFormApi: (formApi) => set({ formApi }),
    dismissNotice: () => set({ notice: null }),
  };
});

const currentSaver = () => useCallSession.getState().saver;

/** The desk is reachable again: whatever waits to be saved goes now, without waiting out a backoff. */
export function retrySaves(): void {
  currentSaver()?.retryNow();
}

export const askBeforeLeavingUnsaved = () => guards.askBeforeLeavingUnsaved(currentSaver);
export const savePendingOnHide = () => guards.savePendingOnHide(currentSaver);

/** A field's name where the record's part is what matters (finalise issues, fields held back). */
export const labelOfField = (path: string): string => recordFieldLabel(path, 'brief');
