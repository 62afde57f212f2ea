import type { ContractError } from '../../../../shared/contract';
import { hasErrorCode } from '../../../../shared/contract';
import type { CallRecord, DraftContent } from '../../../../shared/domain/call-record';
import { desk } from '../../client/desk';
import { Autosaver } from './autosave';
import { changedElsewhere, failed } from './notices';
import { authorOf, canEdit, contextOf, NOTHING_OPEN, type GetState, type SetState } from './state';

/**
 * Putting a record on the screen and taking it off: its autosave started or stopped with it, and
 * the core told which record is open on this desk (kept in desk.db, never in the browser's
 * storage: a reload, a fresh tab or a restart of the desk reopens it from there).
 */
export interface Showing {
  show(record: CallRecord): void;
  /** Takes the record off the screen; its autosave stops (save what is pending first where that is wanted). */
  clear(): void;
  /** The core answered a save or a finalise with the record moved on elsewhere: show it as it is now. */
  reloadAfterConflict(id: string, error: ContractError, unsaved: DraftContent): Promise<void>;
  /** The last draft handed to autosave: what a field too long to save falls back to. */
  sent: DraftContent | null;
}

/** Tells the core which record is open on this desk (best effort: the list of calls always has it too). */
function remember(id: string | null) {
  void desk().call('calls.setOpenOnDesk', { id });
}

export function showing(set: SetState, get: GetState): Showing {
  const startAutosave = (record: CallRecord): Autosaver | null => {
    get().saver?.stop();
    kit.sent = record.content;
    if (!canEdit(record, get().deskUser)) return null;
    const author = authorOf(get().deskUser);
    return new Autosaver({
      id: record.id,
      revision: record.revision,
      content: record.content,
      savedAt: record.updatedAt,
      save: (p) => desk().call('calls.save', { ...p, ...author }),
      onState: (save) => set({ save }),
      onRevision: (revision) => set((s) => (s.record ? { record: { ...s.record, revision } } : {})),
      onConflict: (error, unsaved) => {
        // Someone else is the desk user now: what was typed is not shown to them.
        if (hasErrorCode(error, 'session_changed')) get().closeForSessionChange();
        else void kit.reloadAfterConflict(record.id, error, unsaved);
      },
    });
  };

  const kit: Showing = {
    sent: null,

    show(record) {
      const saver = startAutosave(record);
      remember(record.status === 'discarded' ? null : record.id);
      set((s) => ({
        record,
        saver,
        live: record.content,
        context: contextOf(record.content),
        heldBack: [],
        formKey: s.formKey + 1,
        save: { kind: 'saved', at: record.updatedAt },
        showIssues: false,
        coreIssues: null,
      }));
    },

    clear() {
      get().saver?.stop();
      remember(null);
      set(NOTHING_OPEN);
    },

    async reloadAfterConflict(id, error, unsaved) {
      const r = await desk().call('calls.get', { id });
      if (!r.ok) {
        set({ notice: failed('This record could not be reloaded', r.error) });
        return;
      }
      const notice = changedElsewhere(r.value, error, unsaved);
      kit.show(r.value);
      // Nothing differs: our own save had landed before its answer was lost. Nothing to say.
      if (notice) set({ notice });
    },
  };
  return kit;
}
