// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConflictView, RejectionView } from '../../../../shared/contract';
import { setDeskClient } from '../../client/desk';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useSync } from '../../stores/sync';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { ConflictsDialog } from './ConflictsDialog';
import { RejectionsDialog } from './RejectionsDialog';
import { SyncStatusBar } from './SyncStatusBar';
import { syncStatus } from '../../test-support/sync-status';

let desk: FakeDesk;

const status = syncStatus;

beforeEach(() => {
  desk = fakeDesk();
  setDeskClient(desk);
  // happy-dom's <dialog> has no modal mode: open it as a plain one.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
});

afterEach(async () => {
  await act(() => useCallSession.getState().closeRecord());
  act(() => {
    useApp.setState({ dialog: null });
    useSync.setState({ status: null, conflicts: [], conflictsLoaded: false, rejections: [], rejectionsLoaded: false, memory: { backlog: false } });
  });
  cleanup();
  setDeskClient(null);
});

describe('the conflicts view', () => {
  it('shows both versions side by side; keeping theirs settles it and reloads the open record', async () => {
    await act(() => useCallSession.getState().newCall());
    const record = useCallSession.getState().record!;
    const mine = structuredClone(record.content);
    mine.presentingNeed.summary = 'Synthetic: agreed to a callback at ten.';
    desk.records.get(record.id)!.content = structuredClone(mine);
    const theirs = structuredClone(record.content);
    theirs.presentingNeed.summary = 'Synthetic: now at her sister’s house.';
    let open: ConflictView[] = [
      { id: '0190f0f0-0000-7000-8000-00000000c0f1', recordId: record.id, recordStatus: 'draft', detectedAt: '2026-11-22T14:20:00Z', localRevision: 2, localContent: mine, serverRevision: 5, serverContent: theirs, author: null },
    ];
    desk.handle('sync.conflicts', () => ({ ok: true, value: open }));
    desk.handle('sync.status', () => ({ ok: true, value: status({ conflicts: open.length }) }));
    desk.handle('sync.resolveConflict', (p) => {
      // Made as the person the screen knows is signed in: the core refuses it if someone else is by now.
      expect(p).toEqual({ id: open[0]!.id, choice: 'keep_theirs', authorId: 'sam' });
      const r = desk.records.get(record.id)!;
      r.content = structuredClone(theirs);
      r.revision++;
      open = [];
      return { ok: true, value: [] };
    });
    await act(() => useSync.getState().loadConflicts());
    render(
      <>
        <SyncStatusBar />
        <ConflictsDialog />
      </>,
    );
    act(() => useSync.getState().setStatus(status({ conflicts: 1 })));
    fireEvent.click(screen.getByRole('button', { name: '1 conflict to resolve' }));
    const row = await screen.findByRole('row', { name: /Presenting need: summary/ });
    const cells = within(row).getAllByRole('cell');
    expect(cells[0]!.textContent).toBe('Synthetic: agreed to a callback at ten.');
    expect(cells[1]!.textContent).toBe('Synthetic: now at her sister’s house.');
    expect(within(cells[0]!).getAllByText(/agreed to a callback/)[0]!.tagName).toBe('MARK');
    expect(screen.getByText('1 field differs')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: /Keep theirs/ }));
    await screen.findByText(/No conflicts left to resolve/);
    await waitFor(() => expect(useCallSession.getState().record!.content.presentingNeed.summary).toBe('Synthetic: now at her sister’s house.'));
    expect(useSync.getState().announcement?.text).toMatch(/the server’s version is kept/);
  });

  it('offers only “keep mine” for a record already finalised on this desk', async () => {
    await act(() => useCallSession.getState().newCall());
    const record = useCallSession.getState().record!;
    const theirs = structuredClone(record.content);
    theirs.presentingNeed.summary = 'Synthetic: other desk.';
    desk.handle('sync.conflicts', () => ({
      ok: true,
      value: [{ id: '0190f0f0-0000-7000-8000-00000000c0f2', recordId: record.id, recordStatus: 'finalised' as const, detectedAt: '2026-11-22T14:20:00Z', localRevision: 2, localContent: record.content, serverRevision: 5, serverContent: theirs, author: null }],
    }));
    await act(() => useSync.getState().loadConflicts());
    render(<ConflictsDialog />);
    act(() => useApp.getState().openDialog('conflicts'));
    await screen.findByRole('button', { name: /Keep mine/ });
    expect(screen.queryByRole('button', { name: /Keep theirs/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Merge by hand/ })).toBeNull();
    expect(screen.getByText(/finalised on this desk, so it cannot take another version/)).toBeTruthy();
  });
});

describe('rejected changes', () => {
  it('lists what was rejected and why; acknowledging keeps it, under “Acknowledged”', async () => {
    let list: RejectionView[] = [
      { mutationId: '0190f0f0-0000-7000-8000-0000000000d1', recordId: '0190f0f0-0000-7000-8000-000000000001', kind: 'upsert', reason: 'This record has already been finalised on the server and cannot be changed.', failedAt: '2026-11-22T14:10:00Z', acknowledgedAt: null, author: null },
    ];
    desk.handle('sync.rejections', () => ({ ok: true, value: list }));
    desk.handle('sync.status', () => ({ ok: true, value: status({ rejected: list.filter((r) => !r.acknowledgedAt).length }) }));
    desk.handle('sync.acknowledgeRejection', (p) => {
      list = list.map((r) => (r.mutationId === p.mutationId ? { ...r, acknowledgedAt: '2026-11-22T14:30:00Z' } : r));
      return { ok: true, value: [] };
    });
    render(<RejectionsDialog />);
    act(() => useApp.getState().openDialog('rejections'));
    await screen.findByText('Not yet acknowledged (1)');
    expect(screen.getByText(/already been finalised on the server/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: /A change to a draft/ })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: /Acknowledge/ }));
    await screen.findByText('Acknowledged (1)');
    expect(screen.getByText('Not yet acknowledged (0)')).toBeTruthy();
    expect(screen.getByText(/already been finalised on the server/)).toBeTruthy();
  });
});
