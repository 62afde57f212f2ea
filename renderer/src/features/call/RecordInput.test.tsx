// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DraftContent } from '../../../../shared/domain/call-record';
import { setDeskClient } from '../../client/desk';
import { useCallSession } from '../../stores/call-session';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { CallPanel } from './CallPanel';

/*
 * Bad input in the record (hazards H29, H31): each value gets one clear message at its field, and
 * nothing typed in one field stops the rest of the record from being saved.
 */

let desk: FakeDesk;

function type(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

const lastSaved = () => (desk.calls.filter((c) => c.method === 'calls.save').at(-1)?.params as { content: DraftContent } | undefined)?.content;
const fieldOf = (label: string) => screen.getByLabelText(label).closest('.field') as HTMLElement;

beforeEach(async () => {
  desk = fakeDesk();
  setDeskClient(desk);
  sessionStorage.clear();
  render(<CallPanel />);
  await act(() => useCallSession.getState().newCall());
});

afterEach(async () => {
  await act(() => useCallSession.getState().closeRecord());
  useCallSession.setState({ notice: null });
  cleanup();
  setDeskClient(null);
});

describe('a pasted 100,000-character summary', () => {
  it('is saved, and so is everything typed afterwards; the counter says how much to cut before finalising', async () => {
    type('Summary', 'x'.repeat(100_000));
    type('Name', 'Typed after the paste');
    await waitFor(() => expect(lastSaved()?.caller.name).toBe('Typed after the paste'), { timeout: 3000 });
    expect(lastSaved()!.presentingNeed.summary).toHaveLength(100_000);
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toMatch(/^Saved \d\d:\d\d:\d\d/));
    expect(screen.getByTestId('save-status').textContent).not.toMatch(/except|Not saved/);
    expect(desk.calls.filter((c) => c.method === 'calls.save').every((c) => c.params !== undefined)).toBe(true);
    expect(fieldOf('Summary').textContent).toContain('95,000 characters too many to finalise (5,000 at most)');
  });

  it('shows the count from 80 % of the limit, before it is reached', () => {
    type('Summary', 'x'.repeat(3999));
    expect(screen.queryByTestId('character-count')).toBeNull();
    type('Summary', 'x'.repeat(4000));
    expect(fieldOf('Summary').textContent).toContain('1,000 characters left (5,000 at most)');
  });

  it('counts a short identifier only once it is over its limit (an ordinary postcode is not counted down)', () => {
    type('Postcode', 'SW1A 1AA');
    expect(screen.queryByTestId('character-count')).toBeNull();
    type('Postcode', 'SW1A 1AA 123');
    expect(fieldOf('Postcode').textContent).toContain('2 characters too many to finalise (10 at most)');
  });

  it('past what a draft can hold at all, it stays on screen marked not saved while the rest saves', async () => {
    type('Summary', 'x'.repeat(1_200_000));
    type('Name', 'Still saved');
    await waitFor(() => expect(lastSaved()?.caller.name).toBe('Still saved'), { timeout: 3000 });
    expect(lastSaved()!.presentingNeed.summary).toBe('');
    expect(fieldOf('Summary').textContent).toMatch(/Too long to save: .* not saved/);
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toMatch(/Saved \d\d:\d\d:\d\d except Presenting need: too long to save/));
    expect((screen.getByLabelText('Summary') as HTMLTextAreaElement).value).toHaveLength(1_200_000);
  });
});

describe('the NHS number', () => {
  it('takes digits and spaces only, and says so when something else was typed', async () => {
    type('NHS number', '943 476 591X');
    expect((screen.getByLabelText('NHS number') as HTMLInputElement).value).toBe('943 476 591');
    expect(await screen.findByText(/Only digits can be typed here/)).toBeTruthy();
  });

  it('an invalid one has exactly one message, also once finalising was asked for', async () => {
    type('NHS number', '943 476 5910');
    await screen.findByText(/not a valid NHS number/);
    await act(() => useCallSession.getState().requestFinalise());
    await screen.findByRole('link', { name: /NHS number/ });
    const messages = fieldOf('NHS number').querySelectorAll('.field__error > span');
    expect([...messages].map((m) => m.textContent)).toEqual(['Error: This is not a valid NHS number (its last digit does not match the other nine): check the 10 digits with the caller.']);
  });
});

describe('the date of birth', () => {
  it('in the future says it is in the future, once, and keeps the date', async () => {
    type('Date of birth', '01/01/2099');
    const field = fieldOf('Date of birth');
    await waitFor(() => expect(field.textContent).toMatch(/This date of birth is in the future/));
    expect(field.textContent).not.toMatch(/day\/month\/year/);
    await waitFor(() => expect(lastSaved()?.caller.dateOfBirth).toBe('2099-01-01'), { timeout: 3000 });
  });

  it('a readable one shows the age worked out from it, where the age would be typed', async () => {
    type('Date of birth', '14/02/1990');
    expect((await screen.findByTestId('derived-age')).textContent).toMatch(/^\d+ on the day of the call$/);
    type('Date of birth', '');
    expect(screen.getByLabelText('Age')).toBeTruthy();
  });

  it('an unreadable one is kept as typed and says how to write it', async () => {
    type('Date of birth', '31/02/1990');
    await screen.findByText('Enter the date of birth as day/month/year, for example 27/03/1985.');
    await waitFor(() => expect(lastSaved()?.typed).toEqual({ 'caller.dateOfBirth': '31/02/1990' }), { timeout: 3000 });
  });
});

describe('the caller’s postcode', () => {
  it('is checked as the directory checks its own: a warning at the field, and the record still saves', async () => {
    desk.handle('directory.lookupPostcode', (p) =>
      p.postcode === 'SE5 8AZ'
        ? { ok: true as const, value: { label: 'SE5 8AZ', district: 'SE5', lat: 51.47, lon: -0.09, precision: 'sector' as const, radiusKm: 1 } }
        : { ok: false as const, error: { code: 'postcode_not_found' as const, message: 'not known', fields: [{ field: 'postcode', message: 'Unknown postcode' }] } },
    );
    type('Postcode', 'ZZ9 9ZZ');
    expect(await screen.findByText(/ZZ9 9ZZ is not a known postcode in Great Britain. Check it with the caller/, {}, { timeout: 2000 })).toBeTruthy();
    await waitFor(() => expect(lastSaved()?.caller.postcode).toBe('ZZ9 9ZZ'), { timeout: 3000 });
    type('Postcode', 'SE5 8AZ');
    await waitFor(() => expect(screen.queryByText(/not a known postcode/)).toBeNull(), { timeout: 2000 });
  });
});
