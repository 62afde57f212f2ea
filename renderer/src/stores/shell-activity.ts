import type { CrisisDeskClient } from '../../../shared/contract';
import { useCallSession } from './call-session';

/*
 * Tells the desktop shell whether a call record is open and whether anything typed is not yet
 * saved, each time either changes: the updater never restarts the desk into an update while
 * either is true (electron/main/updater.ts). The browser host has no shell and answers
 * unknown_method, which is ignored.
 */

export interface ShellActivity {
  callOpen: boolean;
  savePending: boolean;
}

export function activityOf(s: Pick<ReturnType<typeof useCallSession.getState>, 'record' | 'save'>): ShellActivity {
  return {
    // A draft is a call in progress; a finalised record on screen is read-only and loses nothing.
    callOpen: s.record !== null && s.record.status === 'draft',
    savePending: s.save.kind === 'pending' || s.save.kind === 'saving' || s.save.kind === 'failed',
  };
}

/** Reports now and on every change; returns the unsubscribe. */
export function reportShellActivity(client: CrisisDeskClient): () => void {
  let last = '';
  const send = () => {
    const a = activityOf(useCallSession.getState());
    const key = JSON.stringify(a);
    if (key === last) return;
    last = key;
    void client.call('app.activity', a).catch(() => {});
  };
  send();
  return useCallSession.subscribe(send);
}
