import type { StoreApi } from 'zustand';
import type { ContractError, ServiceResult } from '../../../../shared/contract';
import type { CallRecord, CallSummary, DraftContent } from '../../../../shared/domain/call-record';
import type { FinaliseIssue } from '../../../../shared/domain/finalise';
import { callerAgeYears } from '../../../../shared/domain/finalise';
import type { Autosaver, SaveState } from './autosave';

/** What the store tells the clinician above the record. */
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

export interface CallSessionState {
  record: CallRecord | null;
  /** The open draft's autosave (null when no draft the desk user may change is open). */
  saver: Autosaver | null;
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
  /**
   * Saves what is pending and waits for it; true when everything on screen is saved. `announce`:
   * say "Saved." when it is (Ctrl+S); otherwise silent (leaving a field, before another step).
   */
  savePending(options?: { announce?: boolean }): Promise<boolean>;
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

export type SetState = StoreApi<CallSessionState>['setState'];
export type GetState = StoreApi<CallSessionState>['getState'];

/** Whether the desk user may change this record: only its author changes a draft (the core enforces it too). */
export function canEdit(record: Pick<CallRecord, 'status' | 'createdBy'>, deskUser: string | null | undefined): boolean {
  return record.status === 'draft' && (deskUser === undefined || (record.createdBy?.userId ?? null) === deskUser);
}

/** The desk user to name with a change, when the screen knows who it is. */
export const authorOf = (deskUser: string | null | undefined) => (deskUser === undefined ? {} : { authorId: deskUser });

export function contextOf(c: DraftContent | null): CallSessionState['context'] {
  return { age: c ? callerAgeYears(c) : null, postcode: c?.caller.postcode.trim() ?? '' };
}

/** What the store holds with no record open. */
export const NOTHING_OPEN = {
  record: null,
  saver: null,
  live: null,
  heldBack: [],
  context: contextOf(null),
  showIssues: false,
  coreIssues: null,
} satisfies Partial<CallSessionState>;
