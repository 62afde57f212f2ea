import type { ServiceResult } from '../../../../shared/contract';
import { hasErrorCode } from '../../../../shared/contract';
import { finaliseIssues } from '../../../../shared/domain/finalise';
import { desk } from '../../client/desk';
import { emptyStart, focusWhenReady } from '../../lib/focus';
import { announce, useApp } from '../app';
import { discarded, failed } from './notices';
import type { Showing } from './showing';
import { authorOf, canEdit, type CallSessionState, type GetState, type SetState } from './state';

type Finalising = Pick<CallSessionState, 'requestFinalise' | 'confirmFinalise' | 'discard' | 'addAddendum' | 'linkService'>;

const showIssues = () => focusWhenReady(() => document.getElementById('finalise-issues'));

/** What is done to the open record as a whole: finalised, discarded, an addendum added, a service linked. */
export function finalising(set: SetState, get: GetState, screen: Showing): Finalising {
  return {
    async requestFinalise() {
      const { record, live } = get();
      if (!record || record.status !== 'draft' || !live) return;
      if (finaliseIssues(live).length > 0) {
        set({ showIssues: true, coreIssues: null });
        showIssues();
        return;
      }
      useApp.getState().openDialog('finalise');
    },

    async confirmFinalise() {
      const { record, saver, busy } = get();
      if (!record || !saver || busy) return;
      set({ busy: true });
      const saved = await saver.savePending();
      if (!saved) {
        set({ busy: false });
        useApp.getState().closeDialog();
        const state = get().saver?.current;
        set({ notice: { tone: 'error', title: 'Not finalised: the latest changes are not saved yet', body: state?.kind === 'failed' ? state.reason : 'Try again in a moment.' } });
        return;
      }
      const r = await desk().call('calls.finalise', { id: record.id, revision: saver.revision, ...authorOf(get().deskUser) });
      set({ busy: false });
      useApp.getState().closeDialog();
      if (!r.ok) {
        if (hasErrorCode(r.error, 'finalise_incomplete')) {
          set({ showIssues: true, coreIssues: r.error.fields?.map((f) => ({ field: f.field, message: f.message })) ?? [] });
          showIssues();
        } else if (hasErrorCode(r.error, 'revision_conflict', 'record_finalised', 'record_discarded')) {
          await screen.reloadAfterConflict(record.id, r.error, get().live ?? record.content);
        } else {
          set({ notice: failed('The record was not finalised', r.error) });
        }
        return;
      }
      screen.show({ ...r.value, addenda: record.addenda });
      set({ notice: null });
      // The finalised record's status line: the next Tab reaches Close record, then the addendum.
      focusWhenReady(() => document.getElementById('record-status'));
      announce('Call record finalised. It can no longer be changed; add an addendum to correct or add to it.', 'success');
      void get().refreshCalls();
    },

    async discard(reason) {
      const { record, saver } = get();
      if (!record || !saver) return null;
      await saver.savePending();
      const r = await desk().call('calls.discard', { id: record.id, revision: saver.revision, reason, ...authorOf(get().deskUser) });
      if (!r.ok) return r.error;
      screen.clear();
      set({ notice: discarded(reason) });
      announce('Draft discarded.', 'info');
      focusWhenReady(emptyStart);
      void get().refreshCalls();
      return null;
    },

    async addAddendum(text, callbackMade = false) {
      const { record } = get();
      if (!record) return null;
      const r = await desk().call('calls.addAddendum', { id: record.id, text, ...(callbackMade ? { callbackMade } : {}), ...authorOf(get().deskUser) });
      if (!r.ok) return r.error;
      set((s) => (s.record ? { record: { ...s.record, addenda: [...s.record.addenda, r.value] } } : {}));
      announce(callbackMade ? 'Addendum added: the callback is recorded as made.' : 'Addendum added to the record.', 'success');
      // The list of calls (and the status bar's callbacks due) changes with a callback made.
      if (callbackMade) void get().refreshCalls();
      return null;
    },

    linkService(result: ServiceResult) {
      const { record, formApi, deskUser } = get();
      if (!record) {
        announce('Start or open a call first (Alt+N), then link the service to it.', 'warning');
        return 'refused';
      }
      if (record.status === 'draft' && !canEdit(record, deskUser)) {
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
  };
}
