// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportResult, ShiftSummaryView } from '../../../shared/contract';
import { DEFAULT_SHIFT_PRESETS } from '../../../shared/lib/shift-presets';
import { ShiftSummaryBuilder } from '../../../shared/lib/shift-summary';
import { setDeskClient } from '../client/desk';
import { freshness, rangeLabel } from './shift-text';
import { fakeDesk } from '../test-support/fake-desk';
import { syncStatus } from '../test-support/sync-status';
import { rangeOf, useShift } from './shift';
import { mayLeadShifts } from './sync';

const NIGHT_CLOCKS_BACK = { kind: 'preset', presetId: 'night', dateText: '24/10/2026' } as const;

function view(over: Partial<ShiftSummaryView> = {}, desks: { clientId: string; userId: string | null; lastSeenAt: string | null; pending: number }[] = []): ShiftSummaryView {
  const summary = new ShiftSummaryBuilder({
    teamId: 'team-n',
    from: new Date('2026-10-24T19:00:00.000Z'),
    to: new Date('2026-10-25T08:00:00.000Z'),
    now: new Date('2026-10-25T08:10:00.000Z'),
    desks,
    offlinePeriods: [],
    directoryProblems: [],
    directory: () => undefined,
    people: () => undefined,
  }).finish();
  return { summary, teamName: 'Night team', source: 'team_records', recordsPulledAt: '2026-10-25T08:32:00.000Z', recordsAsOf: '2026-10-25T08:31:00.000Z', contextFetchedAt: '2026-10-25T08:30:00.000Z', waitingOnThisDesk: 0, ...over };
}

afterEach(() => {
  setDeskClient(null);
  useShift.getState().reset();
});

describe('the range a lead chooses', () => {
  it('a night preset across the October clock change runs 20:00 BST to 08:00 GMT, 13 hours', () => {
    const r = rangeOf(NIGHT_CLOCKS_BACK, DEFAULT_SHIFT_PRESETS);
    expect(r).toEqual({ from: '2026-10-24T19:00:00.000Z', to: '2026-10-25T08:00:00.000Z' });
    expect(rangeLabel('2026-10-24T19:00:00.000Z', '2026-10-25T08:00:00.000Z')).toBe('Sat 24 Oct 20:00 – Sun 25 Oct 08:00 (13 hours)');
    expect(rangeOf({ kind: 'preset', presetId: 'night', dateText: '28/03/2026' }, DEFAULT_SHIFT_PRESETS)).toEqual({ from: '2026-03-28T20:00:00.000Z', to: '2026-03-29T07:00:00.000Z' });
  });

  it('says what is wrong at the field: an impossible day, an empty, reversed or too long range, a time that does not read', () => {
    expect(rangeOf({ kind: 'preset', presetId: 'night', dateText: '31/02/2026' }, DEFAULT_SHIFT_PRESETS)).toMatchObject({ field: 'date' });
    expect(rangeOf({ kind: 'preset', presetId: 'late', dateText: '01/02/2026' }, DEFAULT_SHIFT_PRESETS)).toMatchObject({ field: 'preset' });
    expect(rangeOf({ kind: 'range', fromText: '24/10/2026 20:00', toText: '24/10/2026 20:00' }, [])).toEqual({ field: 'to', message: 'The range is empty: the end must be after the start.' });
    expect(rangeOf({ kind: 'range', fromText: '25/10/2026 08:00', toText: '24/10/2026 20:00' }, [])).toMatchObject({ field: 'to', message: expect.stringContaining('before the start') });
    expect(rangeOf({ kind: 'range', fromText: '01/09/2026 00:00', toText: '02/10/2026 00:01' }, [])).toMatchObject({ field: 'to', message: expect.stringContaining('at most 31 days') });
    expect(rangeOf({ kind: 'range', fromText: '01/09/2026 00:00', toText: '02/10/2026 00:00' }, [])).toEqual({ from: '2026-08-31T23:00:00.000Z', to: '2026-10-01T23:00:00.000Z' });
    expect(rangeOf({ kind: 'range', fromText: 'yesterday', toText: '02/10/2026 00:00' }, [])).toMatchObject({ field: 'from' });
    expect(rangeOf({ kind: 'range', fromText: '01/10/2026 00:00', toText: '02/10/2026 25:00' }, [])).toMatchObject({ field: 'to' });
  });

  it('asks nothing of the core for a range that cannot be summarised, and shows the core’s refusal at its field', async () => {
    const desk = fakeDesk();
    desk.handle('summaries.shift', () => ({ ok: false, error: { code: 'forbidden', message: 'teamId: you can only see the shifts of the team you lead.', fields: [{ field: 'teamId', message: 'you can only see the shifts of the team you lead.' }] } }));
    setDeskClient(desk);
    useShift.setState({ teamId: 'team-x', choice: { kind: 'range', fromText: '25/10/2026 08:00', toText: '24/10/2026 20:00' } });
    await useShift.getState().show();
    expect(desk.calls.filter((c) => c.method === 'summaries.shift')).toEqual([]);
    expect(useShift.getState().fieldErrors.to).toMatch(/before the start/);
    useShift.getState().setChoice(NIGHT_CLOCKS_BACK);
    await useShift.getState().show();
    expect(useShift.getState().fieldErrors).toEqual({ teamId: 'You can only see the shifts of the team you lead.' });
    expect(useShift.getState().view).toBeNull();
  });
});

describe('exports from the Shift workspace (desktop app)', () => {
  it('will not export until the audience is chosen; then saves through the shell, following its progress', async () => {
    const desk = fakeDesk();
    let finish!: (r: ExportResult | null) => void;
    desk.handle('app.saveExport', () => new Promise((resolve) => (finish = (r) => resolve({ ok: true, value: r }))));
    setDeskClient(desk);
    useShift.setState({ view: view(), teamId: 'team-n' });
    await useShift.getState().exportFile('pdf');
    expect(useShift.getState().fieldErrors.audience).toBe('Choose who the file is for before exporting it.');
    expect(desk.calls.some((c) => c.method === 'app.saveExport')).toBe(false);

    useShift.getState().setAudience('reporting');
    const running = useShift.getState().exportFile('pdf');
    const e = useShift.getState().exporting!;
    expect(desk.calls.find((c) => c.method === 'app.saveExport')?.params).toMatchObject({ exportId: e.exportId, teamId: 'team-n', from: '2026-10-24T19:00:00.000Z', to: '2026-10-25T08:00:00.000Z', format: 'pdf', audience: 'reporting' });
    useShift.getState().progressEvent({ exportId: e.exportId, phase: 'contacts', done: 40, total: 100 });
    useShift.getState().progressEvent({ exportId: 'another-export', phase: 'contacts', done: 99, total: 100 });
    expect(useShift.getState().exporting).toMatchObject({ phase: 'contacts', done: 40, total: 100 });
    finish({ exportId: e.exportId, path: '/home/lead/shift-summary_team-n_2026-10-24T2000_reporting.pdf', format: 'pdf', bytes: 1000, contacts: 0, desksBehind: 2 });
    await running;
    expect(useShift.getState().exporting).toBeNull();
    expect(useShift.getState().exportOutcome).toEqual({ tone: 'success', text: 'PDF file saved as shift-summary_team-n_2026-10-24T2000_reporting.pdf (for reporting outside the team). 2 desks of the team were behind: the file says so.' });
  });

  it('a failed or cancelled export, or a save dialog closed, says no file was saved', async () => {
    const desk = fakeDesk();
    let finish!: (r: ExportResult | null) => void;
    desk.handle('app.saveExport', () => new Promise((resolve) => (finish = (r) => resolve({ ok: true, value: r }))));
    desk.handle('summaries.cancelExport', () => ({ ok: true, value: { cancelled: true } }));
    setDeskClient(desk);
    useShift.setState({ view: view(), teamId: 'team-n', audience: 'handover' });
    void useShift.getState().exportFile('xlsx');
    const id = useShift.getState().exporting!.exportId;
    await useShift.getState().cancelExport();
    expect(desk.calls.find((c) => c.method === 'summaries.cancelExport')?.params).toEqual({ exportId: id });
    useShift.getState().progressEvent({ exportId: id, phase: 'cancelled', done: 0, total: 1, error: { code: 'cancelled', message: 'The export was cancelled. No file was written.' } });
    expect(useShift.getState().exportOutcome).toEqual({ tone: 'error', text: 'Export cancelled: no file was saved.' });
    finish(null);

    const next = useShift.getState().exportFile('csv');
    const id2 = useShift.getState().exporting!.exportId;
    useShift.getState().progressEvent({ exportId: id2, phase: 'failed', done: 0, total: 1, error: { code: 'storage_full', message: 'The disk is full: the export was not saved.' } });
    expect(useShift.getState().exportOutcome).toEqual({ tone: 'error', text: 'The disk is full: the export was not saved.' });
    finish(null);
    await next;

    const third = useShift.getState().exportFile('csv');
    finish(null);
    await third;
    expect(useShift.getState().exportOutcome).toEqual({ tone: 'error', text: 'Not exported: no place to save the file was chosen.' });
  });
});

describe('who gets the Shift workspace, and how fresh it says its figures are', () => {
  it('team leads and administrators, signed in or with a session that ended by itself; never clinicians or nobody', () => {
    const as = (roles: ('clinician' | 'team_lead' | 'admin')[], state: 'signed_in' | 'ended' | 'signed_out' = 'signed_in') =>
      mayLeadShifts(syncStatus({ session: { user: { userId: 'u', displayName: 'U', trustId: 't', teamId: 'team-n', roles }, state } }));
    expect(as(['clinician'])).toBe(false);
    expect(as(['clinician', 'team_lead'])).toBe(true);
    expect(as(['admin'])).toBe(true);
    expect(as(['clinician', 'team_lead'], 'ended')).toBe(true);
    expect(as(['clinician', 'team_lead'], 'signed_out')).toBe(false);
    expect(mayLeadShifts(null)).toBe(false);
  });

  it('“Team records as of” the last pull, and what may be missing', () => {
    const now = new Date('2026-10-25T09:00:00.000Z');
    expect(freshness(view(), now)).toEqual({ text: 'Team records as of 08:32', caveat: null, tone: 'ok' });
    const behind = freshness(view({ waitingOnThisDesk: 2 }, [{ clientId: '0190f0f0-0000-7000-8000-000000000001', userId: 'c1', lastSeenAt: '2026-10-25T03:00:00.000Z', pending: 4 }]), now);
    expect(behind).toEqual({
      text: 'Team records as of 08:32',
      caveat: '1 desk of the team has changes the server has not had yet: the figures may be missing them. 2 changes on this desk not yet sent (counted here).',
      tone: 'warn',
    });
    expect(freshness(view({ recordsPulledAt: null }), now).text).toBe('Team records not yet pulled on this desk');
    expect(freshness(view({ recordsPulledAt: '2026-10-23T21:05:00.000Z' }), now).text).toBe('Team records as of 23 Oct 2026 22:05');
  });
});

describe('the figures on screen stay current', () => {
  it('are made again for the range on screen when records sync, never from a range half typed in the fields', async () => {
    const desk = fakeDesk();
    let n = 0;
    desk.handle('summaries.shift', () => ({ ok: true, value: view({ waitingOnThisDesk: ++n }) }));
    setDeskClient(desk);
    useShift.setState({ teamId: 'team-n', choice: NIGHT_CLOCKS_BACK });
    await useShift.getState().show();
    expect(useShift.getState().view?.waitingOnThisDesk).toBe(1);
    // The lead starts typing another range; records arrive meanwhile.
    useShift.getState().setChoice({ kind: 'range', fromText: '25/10/20', toText: '' });
    await useShift.getState().refresh();
    expect(desk.calls.filter((c) => c.method === 'summaries.shift').at(-1)?.params).toEqual({ teamId: 'team-n', from: '2026-10-24T19:00:00.000Z', to: '2026-10-25T08:00:00.000Z' });
    expect(useShift.getState().view?.waitingOnThisDesk).toBe(2);
    expect(useShift.getState().fieldErrors).toEqual({});
  });
});
