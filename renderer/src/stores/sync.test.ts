// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope, SyncStatus } from '../../../shared/contract';
import { setDeskClient } from '../client/desk';
import { fakeDesk } from '../test-support/fake-desk';
import { syncStatus } from '../test-support/sync-status';
import { useSync } from './sync';

afterEach(() => {
  setDeskClient(null);
  useSync.setState({ status: null });
});

describe('the sync status on screen', () => {
  it('an answer to a call made before a newer status event never puts the older status back', async () => {
    // As on reconnecting: the screen asks for the status, and a save handled meanwhile emits a newer one first.
    const desk = fakeDesk();
    let answer!: (e: Envelope<SyncStatus>) => void;
    desk.handle('sync.status', () => new Promise((r) => (answer = r)));
    setDeskClient(desk);
    const asked = useSync.getState().refresh();
    useSync.getState().statusEvent(syncStatus({ waiting: 1, signedIn: false, paused: { reason: 'sign_in', message: 'Sign in to sync.' } }));
    answer({ ok: true, value: syncStatus({ waiting: 0, signedIn: false, paused: { reason: 'sign_in', message: 'Sign in to sync.' } }) });
    await asked;
    expect(useSync.getState().status?.waiting).toBe(1);
  });

  it('an answer with no event since is shown', async () => {
    const desk = fakeDesk();
    desk.handle('sync.status', () => ({ ok: true, value: syncStatus({ waiting: 3 }) }));
    setDeskClient(desk);
    await useSync.getState().refresh();
    expect(useSync.getState().status?.waiting).toBe(3);
  });
});
