import { desk } from '../../client/desk';
import type { CallSessionState, SetState } from './state';

type CallsList = Pick<CallSessionState, 'refreshCalls' | 'recordsChanged'>;

/** The list of calls (drafts and finalised, newest first) as the core has it. */
export function callsList(set: SetState): CallsList {
  // Lists asked for, and the newest shown: an older answer never replaces a newer one.
  let asked = 0;
  let shown = 0;
  const refreshCalls = async () => {
    const mine = ++asked;
    const r = await desk().call('calls.list', { statuses: ['draft', 'finalised'], limit: 100 });
    if (!r.ok || mine < shown) return;
    shown = mine;
    set({ calls: r.value, callsLoaded: true });
  };
  return {
    refreshCalls,
    recordsChanged: () => void refreshCalls(),
  };
}
