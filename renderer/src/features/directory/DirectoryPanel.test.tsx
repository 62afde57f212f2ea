// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchParams } from '../../../../shared/contract';
import { setDeskClient } from '../../client/desk';
import { useCallSession } from '../../stores/call-session';
import { useDirectory } from '../../stores/directory';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { DirectoryPanel } from './DirectoryPanel';

let desk: FakeDesk;
const searches = () => desk.calls.filter((c) => c.method === 'directory.search').map((c) => c.params as SearchParams);

beforeEach(() => {
  desk = fakeDesk();
  setDeskClient(desk);
});

afterEach(() => {
  cleanup();
  act(() => {
    useDirectory.setState({ filters: { text: '', postcode: '', radiusKm: 25, types: [], age: '', routes: [], openNow: false }, sources: { age: 'record', postcode: 'record' } });
    useCallSession.setState({ context: { age: null, postcode: '' } });
  });
  setDeskClient(null);
});

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
    await waitFor(() => expect(searches().at(-1)).toMatchObject({ text: 'sanctuary', openNow: true, limit: 25, offset: 0 }));
  });

  it('searches at every keystroke, one search at a time, and only the newest of those typed meanwhile', async () => {
    const asked: string[] = [];
    const answers: (() => void)[] = [];
    desk.handle('directory.search', (p) => {
      asked.push(p.text ?? '');
      return new Promise((resolve) =>
        answers.push(() =>
          resolve({ ok: true, value: { results: [], total: 0, origin: null, place: null, evaluatedAt: '2026-11-22T14:00:00Z', directory: { services: 0, version: null, publishedAt: null, syncedAt: null, bankHolidaysCoverUntil: '2027-12-28' } } }),
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
});
