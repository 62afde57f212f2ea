// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncStatus, WaitingGroup } from '../../../../shared/contract';
import { setDeskClient } from '../../client/desk';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useDirectory } from '../../stores/directory';
import { useSync } from '../../stores/sync';
import { CallPanel } from '../call/CallPanel';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { SAM, syncStatus } from '../../test-support/sync-status';
import { ClaimDialog, SignOutDialog, WaitingDialog } from './SessionDialogs';
import { SyncStatusBar, UserArea } from './SyncStatusBar';

/*
 * Who is at the desk, on the screen: signing out asks first and clears the previous person's
 * caller; someone else signing in (elsewhere) closes the open record; another's draft is shown
 * read-only; unclaimed changes are claimed only by ticking them; the waiting changes say whose.
 */

let desk: FakeDesk;
const NIGHT = { userId: 'nia', displayName: 'Nia Night', trustId: 'trust-a', teamId: 'team-a1', roles: ['clinician' as const] };
const signedInAs = (user: typeof SAM | typeof NIGHT | null, over: Partial<SyncStatus> = {}) =>
  syncStatus({ session: { user, state: user ? 'signed_in' : 'signed_out' }, signedIn: user !== null, userName: user?.displayName ?? null, ...over });

beforeEach(() => {
  desk = fakeDesk();
  setDeskClient(desk);
  sessionStorage.clear();
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
});

afterEach(async () => {
  await act(() => useCallSession.getState().closeRecord());
  act(() => {
    useApp.setState({ dialog: null, toast: null });
    useSync.setState({ status: null, waiting: [], waitingLoaded: false, signOutError: null, signingOut: false, memory: { backlog: false } });
    useCallSession.setState({ deskUser: undefined, notice: null });
    useDirectory.getState().clearCaller();
  });
  cleanup();
  setDeskClient(null);
});

async function openDraftAs(user: typeof SAM) {
  act(() => useSync.getState().setStatus(signedInAs(user)));
  await act(() => useCallSession.getState().newCall());
  return useCallSession.getState().record!;
}

describe('signing out', () => {
  it('asks first, saves what is typed as the person signing out, closes the record, clears the directory and says what is still unsent', async () => {
    const record = await openDraftAs(SAM);
    // The save of what was typed is held until the person has chosen, so the dialog always sees it
    // unsaved (on a loaded machine the autosave otherwise finished before the dialog was read).
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const stored = desk.records.get(record.id)!;
    desk.handle('calls.save', async (p) => {
      await held;
      stored.revision++;
      stored.content = structuredClone((p as { content: typeof record.content }).content);
      return { ok: true, value: { id: record.id, revision: stored.revision, savedAt: new Date().toISOString() } };
    });
    act(() => useDirectory.getState().setFilters({ text: 'crisis cafe', postcode: 'SE5 8AZ', age: '16', openNow: true }));
    act(() => useCallSession.getState().contentChanged({ ...record.content, presentingNeed: { categories: [], summary: 'Synthetic: typed just before signing out.' } }));
    let signedOutWith: unknown = 'not yet';
    desk.handle('auth.signOut', (p) => {
      signedOutWith = p;
      return { ok: true, value: signedInAs(null, { queues: [{ author: { userId: 'sam', displayName: 'Sam Clinician' }, waiting: 2, state: 'sending', reason: null }], waiting: 2 }) };
    });
    render(
      <>
        <UserArea />
        <SignOutDialog />
      </>,
    );
    fireEvent.click(screen.getByRole('button', { name: /Sign out…/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Sign out of this desk?' });
    // Nothing happens until the person says so; staying is the default.
    expect(signedOutWith).toBe('not yet');
    expect(document.activeElement?.textContent).toBe('Stay signed in');
    expect(within(dialog).getByTestId('sign-out-record').textContent).toMatch(/saved first, then closed and kept on this desk as your draft/);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign out' }));
    release();
    await waitFor(() => expect(signedOutWith).toEqual({}));
    // Saved as Sam, before signing out.
    const save = desk.calls.find((c) => c.method === 'calls.save');
    expect(save?.params).toMatchObject({ authorId: 'sam', content: { presentingNeed: { summary: 'Synthetic: typed just before signing out.' } } });
    expect(desk.calls.findIndex((c) => c.method === 'calls.save')).toBeLessThan(desk.calls.findIndex((c) => c.method === 'auth.signOut'));
    expect(useCallSession.getState().record).toBeNull();
    expect(sessionStorage.getItem('crisis-desk.open-call')).toBeNull();
    expect(useDirectory.getState().filters).toMatchObject({ text: '', postcode: '', age: '', openNow: false });
    expect(useApp.getState().dialog).toBeNull();
    expect(useApp.getState().toast?.message).toMatch(/2 changes of yours have not reached the server yet: they are kept on this desk and sent under your own session/);
    expect(screen.getByTestId('user-area').textContent).toContain('Not signed in');
  });

  it('does not sign out when what is typed cannot be saved, and says why', async () => {
    const record = await openDraftAs(SAM);
    desk.handle('calls.save', () => ({ ok: false, error: { code: 'storage_full', message: 'The disk is full.' } }));
    desk.handle('auth.signOut', () => {
      throw new Error('must not be called');
    });
    act(() => useCallSession.getState().contentChanged({ ...record.content, presentingNeed: { categories: [], summary: 'Synthetic: not saved.' } }));
    render(<SignOutDialog />);
    act(() => useSync.getState().requestSignOut());
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be saved: The disk is full/);
    expect(useCallSession.getState().record?.id).toBe(record.id);
    expect(desk.calls.some((c) => c.method === 'auth.signOut')).toBe(false);
  });
});

describe('someone else signing in', () => {
  it('closes the previous person’s record and clears the directory and any dialog, saying nothing of the caller', async () => {
    const record = await openDraftAs(SAM);
    act(() => useDirectory.getState().setFilters({ text: 'sanctuary', postcode: 'SE5 8AZ' }));
    act(() => useApp.getState().openDialog('calls'));
    act(() => useCallSession.getState().contentChanged({ ...record.content, caller: { ...record.content.caller, name: 'Synthetic Caller Quillfeather' } }));
    act(() => useSync.getState().setStatus(signedInAs(NIGHT)));
    expect(useCallSession.getState().record).toBeNull();
    expect(useDirectory.getState().filters).toMatchObject({ text: '', postcode: '' });
    expect(useApp.getState().dialog).toBeNull();
    const notice = useCallSession.getState().notice!;
    expect(notice.title).toBe('The record that was open has been closed');
    expect(JSON.stringify(notice)).not.toMatch(/Quillfeather/);
    // The typing was not saved under Nia: no save named her.
    expect(desk.calls.filter((c) => c.method === 'calls.save').every((c) => (c.params as { authorId: string }).authorId === 'sam')).toBe(true);
  });
});

describe('another person’s draft', () => {
  it('is shown read-only, saying whose it is; one nobody has claimed can be taken with “This is mine”', async () => {
    const record = await openDraftAs(SAM);
    act(() => useSync.getState().setStatus(signedInAs(NIGHT)));
    render(<CallPanel />);
    await act(() => useCallSession.getState().open(record.id));
    expect(screen.getByTestId('record-read-only').textContent).toMatch(/Started by sam\. Only they can change, finalise or discard this draft/);
    expect(screen.queryByRole('button', { name: /Finalise/ })).toBeNull();
    expect(screen.queryByLabelText(/Summary/)).toBeNull();
    expect(screen.getByTestId('record-authors').textContent).toBe('Started by sam');

    // A draft written while nobody was signed in.
    desk.records.get(record.id)!.createdBy = null;
    desk.handle('sync.claim', (p) => {
      expect(p).toEqual({ recordIds: [record.id] });
      // Claimed: the record and its changes are filed under Nia.
      desk.records.get(record.id)!.createdBy = { userId: 'nia', displayName: 'Nia Night' };
      desk.records.get(record.id)!.updatedBy = { userId: 'nia', displayName: 'Nia Night' };
      return { ok: true, value: { claimed: 1, status: signedInAs(NIGHT) } };
    });
    await act(() => useCallSession.getState().closeRecord());
    await act(() => useCallSession.getState().open(record.id));
    expect(screen.getByTestId('record-read-only').textContent).toMatch(/Written while nobody was signed in: nobody’s yet/);
    fireEvent.click(screen.getByRole('button', { name: 'This is mine' }));
    await waitFor(() => expect(screen.queryByTestId('record-read-only')).toBeNull());
    expect(screen.getByTestId('record-authors').textContent).toBe('Started by Nia Night');
  });
});

describe('changes nobody has claimed', () => {
  const unclaimed: WaitingGroup = {
    author: null,
    waiting: 3,
    state: 'unclaimed',
    reason: null,
    records: [
      { recordId: '0190f0f0-0000-7000-8000-0000000000a1', status: 'draft', callerLabel: 'The person themselves', startedAt: '2026-11-22T13:00:00Z', changes: 2, since: '2026-11-22T13:01:00Z', queuedBeforeAuthors: false },
      { recordId: '0190f0f0-0000-7000-8000-0000000000a2', status: 'finalised', callerLabel: 'Anonymous caller', startedAt: '2026-11-22T13:10:00Z', changes: 1, since: '2026-11-22T13:20:00Z', queuedBeforeAuthors: false },
    ],
  };

  it('are asked about when someone signs in, and only the ticked ones are claimed', async () => {
    desk.handle('sync.waiting', () => ({ ok: true, value: [unclaimed] }));
    let claimed: unknown = null;
    desk.handle('sync.claim', (p) => {
      claimed = p;
      return { ok: true, value: { claimed: 2, status: signedInAs(NIGHT) } };
    });
    render(<ClaimDialog />);
    act(() => useSync.getState().setStatus(signedInAs(null, { waiting: 3, queues: [{ author: null, waiting: 3, state: 'unclaimed', reason: null }] })));
    expect(useApp.getState().dialog).toBeNull();
    act(() => useSync.getState().setStatus(signedInAs(NIGHT, { waiting: 3, queues: [{ author: null, waiting: 3, state: 'unclaimed', reason: null }] })));
    const dialog = await screen.findByRole('dialog', { name: 'Changes made while nobody was signed in' });
    expect(dialog.textContent).toMatch(/Tick only what you, Nia Night, did/);
    const claimButton = () => within(dialog).getByRole('button', { name: 'Tick what you did' }) as HTMLButtonElement;
    await screen.findByLabelText(/The person themselves/);
    expect(claimButton().disabled).toBe(true); // nothing ticked: nothing is claimed for anyone by default
    fireEvent.click(screen.getByLabelText(/The person themselves/));
    fireEvent.click(within(dialog).getByRole('button', { name: 'This is mine: file it under my name' }));
    await waitFor(() => expect(claimed).toEqual({ recordIds: ['0190f0f0-0000-7000-8000-0000000000a1'] }));
  });

  it('are listed with everything else that waits, by whose it is and what for', async () => {
    const dayWaits: WaitingGroup = { author: { userId: 'sam', displayName: 'Sam Clinician' }, waiting: 1, state: 'sign_in_needed', reason: null, records: [unclaimed.records[1]!] };
    desk.handle('sync.waiting', () => ({ ok: true, value: [dayWaits, unclaimed] }));
    const status = signedInAs(NIGHT, {
      waiting: 4,
      queues: [
        { author: { userId: 'sam', displayName: 'Sam Clinician' }, waiting: 1, state: 'sign_in_needed', reason: null },
        { author: null, waiting: 3, state: 'unclaimed', reason: null },
      ],
    });
    render(
      <>
        <SyncStatusBar />
        <WaitingDialog />
      </>,
    );
    act(() => useSync.getState().setStatus(status));
    const item = screen.getByTestId('sync-queues');
    expect(item.textContent).toMatch(/^1 change by Sam Clinician waits for them to sign in · 3 changes more/);
    fireEvent.click(item);
    const groups = await screen.findAllByTestId('waiting-group');
    expect(groups.map((g) => within(g).getByRole('heading').textContent)).toEqual(['Sam Clinician', 'Nobody signed in']);
    expect(groups[0]!.textContent).toContain('1 change by Sam Clinician waits for Sam Clinician to sign in on this desk.');
    expect(groups[1]!.textContent).toContain('3 changes made while nobody was signed in: nobody’s yet, so not sent.');
  });
});
