// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setDeskClient } from '../../client/desk';
import { useApp } from '../../stores/app';
import { askBeforeLeavingUnsaved, retrySaves, useCallSession } from '../../stores/call-session';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { CallPanel } from './CallPanel';

let desk: FakeDesk;

function type(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

beforeEach(() => {
  desk = fakeDesk();
  setDeskClient(desk);
});

afterEach(async () => {
  useApp.setState({ connection: { status: 'open', since: Date.now(), attempts: 0 } });
  await act(() => useCallSession.getState().closeRecord());
  useCallSession.setState({ notice: null });
  cleanup();
  setDeskClient(null);
});

describe('the call record', () => {
  it('saves what is typed without a save button, with the revision it was made on', async () => {
    render(<CallPanel />);
    await act(() => useCallSession.getState().newCall());
    type('Name', 'Sam Example');
    expect(screen.getByTestId('save-status').textContent).toMatch(/Saving/);
    await waitFor(() => expect(desk.calls.some((c) => c.method === 'calls.save')).toBe(true), { timeout: 2000 });
    const save = desk.calls.find((c) => c.method === 'calls.save')!.params as { revision: number; content: { caller: { name: string } } };
    expect(save.revision).toBe(1);
    expect(save.content.caller.name).toBe('Sam Example');
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toMatch(/Saved \d\d:\d\d:\d\d/));
  });

  it('hides identity fields for an anonymous caller, and says so when some are already filled', async () => {
    render(<CallPanel />);
    await act(() => useCallSession.getState().newCall());
    fireEvent.click(screen.getByLabelText(/The caller wants to stay anonymous/));
    await waitFor(() => expect(screen.queryByLabelText('Name')).toBeNull());
    expect(screen.queryByLabelText('NHS number')).toBeNull();
    expect(screen.getByLabelText('Age')).toBeTruthy();
    fireEvent.click(screen.getByLabelText(/The caller wants to stay anonymous/));
    type('Name', 'Given anyway');
    fireEvent.click(screen.getByLabelText(/The caller wants to stay anonymous/));
    await screen.findByText(/identifying details are filled in below/);
    expect(screen.getByLabelText('Name')).toBeTruthy();
  });

  it('shows the NHS number check as it is typed', async () => {
    render(<CallPanel />);
    await act(() => useCallSession.getState().newCall());
    type('NHS number', '943 476 5918');
    await screen.findByText(/not a valid NHS number/);
    type('NHS number', '943 476 5919');
    await screen.findByText('Valid NHS number');
  });

  it('lists what stops finalising as links to the fields, and they go away as they are completed', async () => {
    render(<CallPanel />);
    await act(() => useCallSession.getState().newCall());
    await act(() => useCallSession.getState().requestFinalise());
    const link = await screen.findByRole('link', { name: /Presenting need: Summarise why the person called/ });
    expect(screen.getByRole('heading', { name: /things to complete before finalising/ })).toBeTruthy();
    fireEvent.click(link);
    expect(document.activeElement?.id).toBe('f-presentingNeed-summary');
    type('Summary', 'Could not sleep, wanted to talk.');
    await waitFor(() => expect(screen.queryByRole('link', { name: /Presenting need/ })).toBeNull());
    expect(desk.calls.some((c) => c.method === 'calls.finalise')).toBe(false);
  });

  it('never overwrites a record changed elsewhere: it reloads it and shows what was not saved', async () => {
    render(<CallPanel />);
    await act(() => useCallSession.getState().newCall());
    const id = useCallSession.getState().record!.id;
    const stored = desk.records.get(id)!;
    stored.revision = 7; // another window saved meanwhile
    stored.content.presentingNeed.summary = 'Their version';
    type('Summary', 'My version');
    const alert = await screen.findByRole('alert', {}, { timeout: 2000 });
    expect(alert.textContent).toMatch(/changed elsewhere and has been reloaded/);
    expect(alert.textContent).toMatch(/My version/);
    expect((screen.getByLabelText('Summary') as HTMLTextAreaElement).value).toBe('Their version');
    expect(desk.records.get(id)!.content.presentingNeed.summary).toBe('Their version');
  });

  it('the desk down: the header says nothing is being saved, the typing stays, leaving asks first, and it is saved once the desk is back', async () => {
    const leaving = askBeforeLeavingUnsaved();
    const beforeUnload = () => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    };
    render(<CallPanel />);
    await act(() => useCallSession.getState().newCall());
    const id = useCallSession.getState().record!.id;
    expect(beforeUnload()).toBe(false); // nothing unsaved: leave freely

    const realSave = desk.records.get(id)!;
    let down = true;
    const save = (p: { id: string; revision: number; content: typeof realSave.content }) => {
      if (down) return { ok: false as const, error: { code: 'core_unreachable' as const, message: 'Crisis Desk cannot reach its core on this computer.' } };
      realSave.revision++;
      realSave.content = structuredClone(p.content);
      return { ok: true as const, value: { id: p.id, revision: realSave.revision, savedAt: new Date().toISOString() } };
    };
    desk.handle('calls.save', save);
    act(() => useApp.setState({ connection: { status: 'reconnecting', since: Date.now(), attempts: 1 } }));
    expect(screen.getByTestId('save-status').textContent).toMatch(/^Desk not running — saved up to \d\d:\d\d:\d\d/);
    type('Summary', 'Typed while the desk is down');
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toMatch(/^Not saved — the desk is not running/), { timeout: 2000 });
    expect(screen.getByTestId('save-status').textContent).not.toMatch(/Saved|Saving/);
    expect(beforeUnload()).toBe(true);
    expect((screen.getByLabelText('Summary') as HTMLTextAreaElement).value).toBe('Typed while the desk is down');

    down = false;
    act(() => useApp.setState({ connection: { status: 'open', since: Date.now(), attempts: 0 } }));
    retrySaves();
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toMatch(/^Saved \d\d:\d\d:\d\d/));
    expect(realSave.content.presentingNeed.summary).toBe('Typed while the desk is down');
    expect(beforeUnload()).toBe(false);
    leaving();
  });
});
