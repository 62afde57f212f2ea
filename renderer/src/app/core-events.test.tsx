// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../shared/contract';
import type { CallSummary } from '../../../shared/domain/call-record';
import { ShiftSummaryBuilder } from '../../../shared/lib/shift-summary';
import { setDeskClient } from '../client/desk';
import { CallsList } from '../features/call/CallsList';
import { useCallSession } from '../stores/call-session';
import { useShift } from '../stores/shift';
import { fakeDesk, type FakeDesk } from '../test-support/fake-desk';
import { followCoreEvents } from './core-events';

/*
 * Records pulled from the server reach the screen as the core's sync.recordsChanged event: the
 * list of calls shows a record written on another desk without the clinician asking for it.
 */

let desk: FakeDesk;
let stop: () => void;
let onDesk: CallSummary[];

const summary = (over: Partial<CallSummary>): CallSummary => ({
  id: '0190f0f0-0000-7000-8000-000000000001',
  status: 'draft',
  revision: 1,
  startedAt: '2026-11-22T13:50:00.000Z',
  updatedAt: '2026-11-22T13:55:00.000Z',
  callerLabel: 'The person themselves',
  outcomeCode: null,
  callbackDueAt: null,
  createdBy: { userId: 'user-1', displayName: 'Demo Clinician' },
  ...over,
});

beforeEach(async () => {
  desk = fakeDesk();
  onDesk = [summary({})];
  desk.handle('calls.list', () => ({ ok: true, value: structuredClone(onDesk) }));
  setDeskClient(desk);
  stop = followCoreEvents(desk);
  await act(() => useCallSession.getState().refreshCalls());
});

afterEach(() => {
  stop();
  cleanup();
  useCallSession.setState({ calls: [], callsLoaded: false });
  useShift.getState().reset();
  setDeskClient(null);
});

const listAsked = () => desk.calls.filter((c) => c.method === 'calls.list').length;

describe('records pulled from another desk', () => {
  it('appear in the list of calls on screen at once: a draft in progress and a finalised call owed a callback', async () => {
    render(<CallsList />);
    expect(screen.getByRole('heading', { name: 'In progress (1)' })).toBeTruthy();
    expect(screen.queryByText('Friend or neighbour')).toBeNull();

    onDesk = [
      summary({ id: '0190f0f0-0000-7000-8000-000000000002', callerLabel: 'Friend or neighbour', updatedAt: '2026-11-22T14:01:00.000Z' }),
      summary({ id: '0190f0f0-0000-7000-8000-000000000003', status: 'finalised', callerLabel: 'Parent or carer', outcomeCode: '02', callbackDueAt: '2026-11-22T16:00:00.000Z' }),
      ...onDesk,
    ];
    const before = listAsked();
    act(() => desk.emit('sync.recordsChanged', { at: '2026-11-22T14:02:00.000Z' }));

    await screen.findByText('Friend or neighbour');
    expect(listAsked()).toBe(before + 1);
    expect(screen.getByRole('heading', { name: 'In progress (2)' })).toBeTruthy();
    const owed = screen.getByRole('heading', { name: 'Callbacks to make (1)' }).nextElementSibling as HTMLElement;
    expect(within(owed).getByText('Parent or carer')).toBeTruthy();
  });

  it('stops following once the screen stops listening', async () => {
    stop();
    const before = listAsked();
    desk.emit('sync.recordsChanged', { at: '2026-11-22T14:02:00.000Z' });
    await Promise.resolve();
    expect(listAsked()).toBe(before);
    stop = () => {};
  });

  it('a list answered late never replaces a newer one already shown', async () => {
    let answerOld!: (e: Envelope<CallSummary[]>) => void;
    desk.handle('calls.list', () => new Promise((resolve) => (answerOld = resolve)));
    const old = useCallSession.getState().refreshCalls();
    const newer = [summary({ id: '0190f0f0-0000-7000-8000-000000000004', callerLabel: 'Professional' })];
    desk.handle('calls.list', () => ({ ok: true, value: newer }));
    await useCallSession.getState().refreshCalls();
    answerOld({ ok: true, value: [] });
    await old;
    expect(useCallSession.getState().calls.map((c) => c.callerLabel)).toEqual(['Professional']);
  });

  it('make the shift summary on screen again, as before', async () => {
    const view = new ShiftSummaryBuilder({
      teamId: 'team-n',
      from: new Date('2026-10-24T19:00:00.000Z'),
      to: new Date('2026-10-25T08:00:00.000Z'),
      now: new Date('2026-10-25T08:10:00.000Z'),
      desks: [],
      offlinePeriods: [],
      directoryProblems: [],
      directory: () => undefined,
      people: () => undefined,
    }).finish();
    useShift.setState({ view: { summary: view, teamName: 'Night team', source: 'team_records', recordsPulledAt: null, recordsAsOf: null, contextFetchedAt: '2026-10-25T08:10:00.000Z', waitingOnThisDesk: 0 } });
    desk.emit('sync.recordsChanged', { at: '2026-11-22T14:02:00.000Z' });
    await waitFor(() => expect(desk.calls.some((c) => c.method === 'summaries.shift')).toBe(true));
  });
});
