// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchParams, SearchResult, SyncStatus } from '../../../../shared/contract';
import { emptyCallRecordContent } from '../../../../shared/domain/call-record';
import { setDeskClient } from '../../client/desk';
import { useApp } from '../../stores/app';
import { useCallSession } from '../../stores/call-session';
import { useDirectory } from '../../stores/directory';
import { FIRST_PAGE } from '../../stores/search-runner';
import { useSync } from '../../stores/sync';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { syncStatus } from '../../test-support/sync-status';
import { DirectoryPanel } from './DirectoryPanel';

let desk: FakeDesk;
const searches = () => desk.calls.filter((c) => c.method === 'directory.search').map((c) => c.params as SearchParams);

beforeEach(() => {
  desk = fakeDesk();
  setDeskClient(desk);
});

afterEach(async () => {
  cleanup();
  await act(async () => {
    useCallSession.setState({ record: null, context: { age: null, postcode: '' } });
    useDirectory.getState().startCall({ age: null, postcode: '' });
    useApp.setState({ directory: null });
    useSync.setState({ status: null });
  });
  setDeskClient(null);
});

const DIRECTORY = { services: 3000, version: '1', publishedAt: null, syncedAt: null, bankHolidaysCoverUntil: '2027-12-31' };
const answer = (over: Partial<SearchResult> = {}): SearchResult => ({ results: [], total: 0, origin: null, place: null, evaluatedAt: '2026-11-25T14:00:00.000Z', ...over });

/** Opens a call record (as a new call or one resumed from the list does) with this caller's postcode and age. */
async function openCall(n: number, postcode: string, dateOfBirth: string | null) {
  const content = emptyCallRecordContent('2026-11-25T14:00:00.000Z');
  content.caller.postcode = postcode;
  if (dateOfBirth) content.caller.dateOfBirth = dateOfBirth;
  const id = `0190f0f0-0000-7000-8000-${String(n).padStart(12, '0')}`; // record ids are UUIDs (the contract checks)
  await act(async () => {
    desk.records.set(id, { id, status: 'draft', revision: 1, createdAt: content.startedAt, updatedAt: content.startedAt, finalisedAt: null, discardedAt: null, discardReason: null, contentHash: null, content, addenda: [], createdBy: null, updatedBy: null, finalisedBy: null, discardedBy: null, unclaimedChanges: 0 });
    await useCallSession.getState().open(id);
  });
}

describe('the directory panel', () => {
  it('shows the core’s message when the postcode is not known, at the postcode field', async () => {
    desk.handle('directory.search', (p) =>
      p.postcode ? { ok: false, error: { code: 'postcode_not_found', message: 'ZZ9 9ZZ is not a known postcode in Great Britain.', fields: [{ field: 'postcode', message: 'Unknown postcode' }] } } : { ok: false, error: { code: 'internal', message: 'x' } },
    );
    render(<DirectoryPanel />);
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'ZZ9 9ZZ' } });
    await screen.findByText('ZZ9 9ZZ is not a known postcode in Great Britain.', {}, { timeout: 2000 });
    expect(screen.getByLabelText(/^Postcode/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('results-count').textContent).toMatch(/check the postcode/);
  });

  it('takes the caller’s age and postcode from the call record until they are changed here', async () => {
    render(<DirectoryPanel />);
    act(() => useCallSession.setState({ context: { age: 15, postcode: 'SE5 8AZ' } }));
    await waitFor(() => expect((screen.getByLabelText('Age of the caller') as HTMLInputElement).value).toBe('15'));
    expect((screen.getByLabelText(/^Postcode/) as HTMLInputElement).value).toBe('SE5 8AZ');
    await waitFor(() => expect(searches().at(-1)).toMatchObject({ postcode: 'SE5 8AZ', age: 15 }), { timeout: 2000 });
    expect(screen.getByText(/Age 15 from the call record/)).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Age of the caller'), { target: { value: '' } });
    act(() => useCallSession.setState({ context: { age: 16, postcode: 'SE5 8AZ' } }));
    expect((screen.getByLabelText('Age of the caller') as HTMLInputElement).value).toBe('');
    expect(screen.getByRole('button', { name: 'Use it' })).toBeTruthy();
  });

  it('searches as the clinician types, with open now when asked', async () => {
    render(<DirectoryPanel />);
    fireEvent.click(screen.getByLabelText(/Open now/));
    fireEvent.change(screen.getByLabelText(/Search services/), { target: { value: 'sanctuary' } });
    await waitFor(() => expect(searches().at(-1)).toMatchObject({ text: 'sanctuary', openNow: true, limit: FIRST_PAGE, offset: 0 }));
  });

  it('searches at every keystroke, one search at a time, and only the newest of those typed meanwhile', async () => {
    const asked: string[] = [];
    const answers: (() => void)[] = [];
    desk.handle('directory.search', (p) => {
      asked.push(p.text ?? '');
      return new Promise((resolve) =>
        answers.push(() =>
          resolve({ ok: true, value: { results: [], total: 0, origin: null, place: null, evaluatedAt: '2026-11-22T14:00:00Z' } }),
        ),
      );
    });
    render(<DirectoryPanel />);
    const box = screen.getByLabelText(/Search services/);
    fireEvent.change(box, { target: { value: 's' } });
    expect(asked).toEqual([]); // one letter is not searched
    expect(screen.getByText(/Keep typing: the search starts from 2 letters/)).toBeTruthy();
    fireEvent.change(box, { target: { value: 'sa' } });
    await waitFor(() => expect(asked).toEqual(['sa'])); // at once, no debounce
    fireEvent.change(box, { target: { value: 'san' } });
    fireEvent.change(box, { target: { value: 'sanc' } });
    fireEvent.change(box, { target: { value: 'sanct' } });
    expect(asked).toEqual(['sa']); // 'sa' is still on its way
    await act(async () => answers.shift()!());
    await waitFor(() => expect(asked).toEqual(['sa', 'sanct'])); // then only the newest
    fireEvent.change(box, { target: { value: 'sanct ' } });
    await act(async () => answers.shift()!());
    expect(asked).toEqual(['sa', 'sanct']); // a trailing space asks nothing new
  });

  it('starts each call clean: a new or resumed call sets search, postcode, age and filters from that call only', async () => {
    render(<DirectoryPanel />);
    await openCall(1, 'SE5 8AZ', '2011-03-01');
    await waitFor(() => expect(searches().at(-1)).toMatchObject({ postcode: 'SE5 8AZ', age: 15 }));
    // The clinician searches for the first caller: text, another postcode, open now, a type, a time.
    fireEvent.change(screen.getByLabelText(/Search services/), { target: { value: 'sanctuary' } });
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'M1 1AE' } });
    fireEvent.click(screen.getByLabelText(/Open now/));
    fireEvent.click(screen.getByLabelText('Sanctuary'));
    fireEvent.change(screen.getByLabelText(/^Open at/), { target: { value: 'tonight 02:00' } });
    await waitFor(() => expect(searches().at(-1)).toMatchObject({ text: 'sanctuary', postcode: 'M1 1AE', openNow: true, types: ['sanctuary'], openAt: expect.any(String) }), { timeout: 2000 });

    // A new call for another caller: only what that record says.
    const before = searches().length;
    await openCall(2, 'LS1 4AP', null);
    expect((screen.getByLabelText(/Search services/) as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText(/^Postcode/) as HTMLInputElement).value).toBe('LS1 4AP');
    expect((screen.getByLabelText('Age of the caller') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText(/Open now/) as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText('Sanctuary') as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText(/^Open at/) as HTMLInputElement).value).toBe('');
    await waitFor(() => expect(searches().length).toBeGreaterThan(before));
    expect(searches().at(-1)).toEqual({ postcode: 'LS1 4AP', radiusKm: 25, includeTemporarilyClosed: true, limit: FIRST_PAGE, offset: 0 });

    // Resuming the first call takes its postcode and age again, not what was typed for it before.
    await openCall(1, 'SE5 8AZ', '2011-03-01');
    expect((screen.getByLabelText(/^Postcode/) as HTMLInputElement).value).toBe('SE5 8AZ');
    expect((screen.getByLabelText('Age of the caller') as HTMLInputElement).value).toBe('15');
    expect((screen.getByLabelText(/Search services/) as HTMLInputElement).value).toBe('');
    await waitFor(() => expect(searches().at(-1)).toEqual({ postcode: 'SE5 8AZ', radiusKm: 25, age: 15, includeTemporarilyClosed: true, limit: FIRST_PAGE, offset: 0 }));

    // Closing the call (discarded, signed out) leaves nothing of its caller in the directory.
    await act(async () => useCallSession.getState().closeRecord());
    expect((screen.getByLabelText(/^Postcode/) as HTMLInputElement).value).toBe('');
    expect(screen.getByText('Find a service for the caller')).toBeTruthy();
  });

  it('drops an answer for the previous caller that arrives after the new call opened', async () => {
    const pending: ((r: SearchResult) => void)[] = [];
    desk.handle('directory.search', (p) => (p.postcode === 'SE5 8AZ' ? new Promise((resolve) => pending.push((r) => resolve({ ok: true, value: r }))) : { ok: true, value: answer() }));
    render(<DirectoryPanel />);
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'SE5 8AZ' } });
    await waitFor(() => expect(pending).toHaveLength(1), { timeout: 2000 });
    await openCall(3, '', null);
    const stale = { service: { id: 'old', name: 'Camberwell Sanctuary' } } as never;
    await act(async () => pending[0]!(answer({ results: [stale], total: 1 })));
    expect(useDirectory.getState().results).toEqual([]);
    expect(screen.queryByText('Camberwell Sanctuary')).toBeNull();
  });

  it('reads “open at” as typed, sends that instant, says so, and goes back to now', async () => {
    render(<DirectoryPanel />);
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'SE5 8AZ' } });
    fireEvent.change(screen.getByLabelText(/^Open at/), { target: { value: 'Sat 10:00' } });
    await waitFor(() => expect(searches().at(-1)?.openAt).toBeDefined(), { timeout: 2000 });
    const sent = new Date(searches().at(-1)!.openAt!);
    expect(sent.getUTCDay()).toBe(6);
    expect(screen.getByTestId('judged-at').textContent).toMatch(/Open and closed as at Sat \d+ \w+ 10:00 .*not now/);
    expect(screen.getByLabelText(/Open then/)).toBeTruthy();

    fireEvent.change(screen.getByLabelText(/^Open at/), { target: { value: 'someday' } });
    expect(screen.getByText(/“someday” is not understood.*Results are for now/)).toBeTruthy();
    expect(screen.getByLabelText(/^Open at/).getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(searches().at(-1)?.openAt).toBeUndefined(), { timeout: 2000 });

    fireEvent.change(screen.getByLabelText(/^Open at/), { target: { value: 'tonight 02:00' } });
    fireEvent.keyDown(screen.getByLabelText(/^Open at/), { key: 'Escape' });
    expect((screen.getByLabelText(/^Open at/) as HTMLInputElement).value).toBe('');
    expect(screen.queryByTestId('judged-at')).toBeNull();
    expect(screen.getByLabelText(/Open now/)).toBeTruthy();
  });

  it('closes the Type, route pop-up on Esc (back to its button) and on a click outside', () => {
    render(<DirectoryPanel />);
    const popup = document.querySelector('details.picker') as HTMLDetailsElement;
    const button = popup.querySelector('summary')!;
    popup.open = true;
    const box = screen.getByLabelText('Sanctuary');
    box.focus();
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(popup.open).toBe(false);
    expect(document.activeElement).toBe(button);
    popup.open = true;
    fireEvent.pointerDown(screen.getByLabelText(/Search services/));
    expect(popup.open).toBe(false);
    popup.open = true;
    fireEvent.pointerDown(popup.querySelector('.picker__body')!);
    expect(popup.open).toBe(true);
  });

  it('says a desk with no directory has none yet, and how it arrives, instead of “0 services”', async () => {
    // As system.info or the directory.updated event says it.
    act(() => useApp.setState({ directory: { ...DIRECTORY, services: 0, version: null } }));
    desk.handle('directory.search', () => ({ ok: true, value: answer() }));
    const status: SyncStatus = syncStatus({ lastSyncedAt: null, paused: { reason: 'sign_in', message: '' }, signedIn: false, userName: null, session: { user: null, state: 'signed_out' } });
    act(() => useSync.setState({ status }));
    render(<DirectoryPanel />);
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'SE5 8AZ' } });
    await screen.findByTestId('no-directory', {}, { timeout: 2000 });
    await waitFor(() => expect(screen.getByTestId('results-count').textContent).toBe('No directory on this desk yet: nothing can be searched until it arrives.'), { timeout: 2000 });
    expect(screen.getByTestId('results-count').textContent).not.toMatch(/0 services/);
    expect(screen.getByRole('button', { name: 'Sign in to sync' })).toBeTruthy();
    act(() => useSync.setState({ status: { ...status, signedIn: true, paused: null, directoryProgress: { phase: 'download', bytes: 1_000_000, totalBytes: 4_000_000, rows: 0 } } }));
    expect(screen.getByTestId('no-directory').textContent).toMatch(/Downloading the directory: 1\.0 of 4\.0 MB/);
    act(() => useSync.setState({ status: { ...status, paused: { reason: 'not_configured', message: '' } } }));
    expect(screen.getByTestId('no-directory').textContent).toMatch(/no server to download it from/);
  });

  it('says a postcode is in Scotland, with NHS 24’s route, and in Northern Ireland, with Lifeline', async () => {
    desk.handle('directory.search', (p) =>
      p.postcode?.startsWith('DG')
        ? { ok: true, value: answer({ place: { label: 'DG1 1AA', nations: ['scotland'] }, origin: { label: 'DG1 1AA', district: 'DG1', lat: 55.09, lon: -3.6, precision: 'sector', radiusKm: 1 } }) }
        : { ok: true, value: answer({ place: { label: 'BT7 1NN', nations: ['northern_ireland'] } }) },
    );
    render(<DirectoryPanel />);
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'DG1 1AA' } });
    const notice = await screen.findByTestId('nation-notice', {}, { timeout: 2000 });
    expect(notice.textContent).toMatch(/DG1 1AA is in Scotland/);
    expect(notice.textContent).toMatch(/NHS 24 on 111/);
    expect(notice.textContent).toMatch(/services in England only/);
    expect(screen.getByTestId('results-count').textContent).toMatch(/DG1 1AA is in Scotland: see its own crisis route/);
    expect(screen.getByTestId('results-count').querySelector('.visually-hidden')!.textContent).toMatch(/Scotland/);
    fireEvent.change(screen.getByLabelText(/^Postcode/), { target: { value: 'BT7 1NN' } });
    await waitFor(() => expect(screen.getByTestId('nation-notice').textContent).toMatch(/BT7 1NN is in Northern Ireland/), { timeout: 2000 });
    expect(screen.getByTestId('nation-notice').textContent).toMatch(/Lifeline/);
    expect(screen.getByTestId('results-count').textContent).toMatch(/^No services: BT7 1NN is in Northern Ireland/);
    expect(screen.getByRole('button', { name: /Copy 0808 808 8000/ })).toBeTruthy();
  });
});
