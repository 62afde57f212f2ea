import { desk } from '../../client/desk';
import { emptyStart, focusWhenReady, recordStart } from '../../lib/focus';
import { announce } from '../app';
import { closedForSessionChange, failed } from './notices';
import type { Showing } from './showing';
import { authorOf, canEdit, type CallSessionState, type GetState, type SetState } from './state';

type Opening = Pick<CallSessionState, 'newCall' | 'open' | 'closeRecord' | 'restore' | 'reloadIfOpen' | 'setDeskUser' | 'closeForSessionChange' | 'claimOpen'>;

/** Which record is on the screen: a new one, another from the list, none; and whose it is. Opening another saves what is pending first. */
export function opening(set: SetState, get: GetState, screen: Showing): Opening {
  return {
    async newCall() {
      await get().savePending();
      const r = await desk().call('calls.create', authorOf(get().deskUser));
      if (!r.ok) {
        set({ notice: failed('A new call could not be started', r.error) });
        return;
      }
      set({ notice: null });
      screen.show(r.value);
      focusWhenReady(recordStart);
      announce('New call started. The record saves as you type.', 'success');
      void get().refreshCalls();
    },

    async open(id) {
      if (get().record?.id === id) return;
      await get().savePending();
      const r = await desk().call('calls.get', { id });
      if (!r.ok) {
        set({ notice: failed('That call could not be opened', r.error) });
        return;
      }
      set({ notice: null });
      screen.show(r.value);
      focusWhenReady(recordStart);
      void get().refreshCalls();
    },

    async closeRecord() {
      await get().savePending();
      screen.clear();
      set({ notice: null });
      focusWhenReady(emptyStart);
      void get().refreshCalls();
    },

    async restore() {
      await get().refreshCalls();
      const r = await desk().call('calls.openOnDesk', {});
      // Not if the clinician has meanwhile started or opened another call: that is the one they are on.
      if (r.ok && r.value && !get().record) {
        screen.show(r.value);
        focusWhenReady(recordStart);
      }
    },

    async reloadIfOpen(id) {
      if (get().record?.id !== id) return;
      const r = await desk().call('calls.get', { id });
      if (!r.ok || get().record?.id !== id) return;
      screen.show(r.value);
      void get().refreshCalls();
    },

    setDeskUser(id) {
      const before = get().deskUser;
      if (before === id) return;
      set({ deskUser: id });
      // First heard of who is signed in: an open record may turn out not to be theirs to change.
      const { record, saver } = get();
      if (before === undefined && record && saver && !canEdit(record, id)) screen.show(record);
    },

    closeForSessionChange() {
      const had = get().record !== null;
      const unsaved = get().saver?.dirty ?? false;
      screen.clear();
      set({ notice: had ? closedForSessionChange(unsaved) : null });
      void get().refreshCalls();
    },

    async claimOpen() {
      const { record } = get();
      if (!record) return null;
      const r = await desk().call('sync.claim', { recordIds: [record.id] });
      if (!r.ok) return r.error;
      const again = await desk().call('calls.get', { id: record.id });
      if (again.ok) screen.show(again.value);
      announce('The record is filed under your name now and is being sent.', 'success');
      void get().refreshCalls();
      return null;
    },
  };
}
