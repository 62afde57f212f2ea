// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceResult } from '../../../../shared/contract';
import type { DirectoryService } from '../../../../shared/domain/directory';
import { setDeskClient } from '../../client/desk';
import { useApp } from '../../stores/app';
import { useDirectory } from '../../stores/directory';
import { fakeDesk, type FakeDesk } from '../../test-support/fake-desk';
import { ReportDialog } from './ReportDialog';

const service: DirectoryService = {
  id: 'south:cafe',
  organisation: { id: 'org-1', name: 'Southwark Mind' },
  name: 'Harbour Crisis Café',
  type: 'crisis_cafe',
  status: 'active',
  ageMin: 18,
  ageMax: null,
  referral: { routes: ['self'], how: 'Walk in.' },
  phones: [
    { number: '020 7946 0999', type: 'professionals' },
    { number: '0800 123 4567', type: 'public' },
  ],
  locations: [],
  coverage: { national: false, postcodes: ['SE15'] },
  schedule: { alwaysOpen: true, weekly: [], bankHolidays: 'as_usual', exceptions: [] },
  keywords: [],
  lastVerified: null,
} as DirectoryService;

let desk: FakeDesk;
const reports = () => desk.calls.filter((c) => c.method === 'directory.report').map((c) => c.params);

beforeEach(() => {
  desk = fakeDesk();
  desk.handle('directory.report', (p) => ({ ok: true, value: { id: '0190a000-0000-7000-8000-000000000001', kind: p.kind, reportedAt: '2026-11-24T14:20:00Z', local: true } }));
  setDeskClient(desk);
  useDirectory.setState({ results: [{ service } as ServiceResult], active: 0 });
});

afterEach(async () => {
  cleanup();
  await act(async () => {
    useApp.setState({ dialog: null, serviceId: null });
    useDirectory.setState({ results: [], active: -1 });
  });
  setDeskClient(null);
});

async function open() {
  render(<ReportDialog />);
  await act(async () => useApp.getState().openDialog('report', service.id));
  await screen.findByRole('heading', { name: 'Report a problem: Harbour Crisis Café' });
}

/** A key pressed where focus is in the dialog (its title, where it opens, unless a field is given). */
const key = (code: string, target?: Element, extra: Partial<KeyboardEventInit> = {}) =>
  act(async () => {
    fireEvent.keyDown(target ?? document.querySelector('dialog .dialog__title')!, { code, key: code.replace('Key', '').toLowerCase(), ...extra });
  });

describe('reporting a problem with a service', () => {
  it('sends in the second key: N reports the caller-facing number as not answering, and the dialog closes', async () => {
    await open();
    await key('KeyN', screen.getByRole('heading', { name: /Report a problem/ }));
    await waitFor(() => expect(reports()).toEqual([{ serviceId: 'south:cafe', kind: 'number_not_answering', phone: '0800 123 4567' }]));
    await waitFor(() => expect(useApp.getState().dialog).toBeNull());
  });

  it('sends each kind by its letter, and nothing for other letters', async () => {
    for (const [code, kind] of [
      ['KeyC', 'service_closed'],
      ['KeyH', 'hours_wrong'],
      ['KeyE', 'eligibility_wrong'],
    ] as const) {
      await open();
      await key('KeyX');
      await key(code);
      await waitFor(() => expect(reports().at(-1)).toMatchObject({ kind }));
      cleanup();
    }
    expect(reports()).toHaveLength(3);
  });

  it('asks for words for “something else”, refuses a note naming the caller, and sends with Ctrl+Enter; letters typed in the note are words', async () => {
    await open();
    await key('KeyO');
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'Say in a few words what is wrong, then press Send.');
    const note = screen.getByLabelText(/A few words/);
    expect(document.activeElement).toBe(note);
    fireEvent.change(note, { target: { value: 'Caller 943 476 5919 was told it closed' } });
    await key('KeyN', note);
    await key('Enter', note, { ctrlKey: true, key: 'Enter' });
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('looks like an NHS number'));
    expect(reports()).toEqual([]);
    fireEvent.change(note, { target: { value: 'Moved to the library on Park Road' } });
    await key('Enter', note, { ctrlKey: true, key: 'Enter' });
    await waitFor(() => expect(reports()).toEqual([{ serviceId: 'south:cafe', kind: 'other', note: 'Moved to the library on Park Road' }]));
  });

  it('says why the core refused it, and stays open', async () => {
    desk.handle('directory.report', () => ({ ok: false, error: { code: 'not_signed_in', message: 'Sign in to report a problem.' } }));
    await open();
    await key('KeyH');
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'Sign in to report a problem.');
    expect(useApp.getState().dialog).toBe('report');
  });
});
