import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CrisisDeskClient } from '../../../shared/contract';
import type { CallRecord } from '../../../shared/domain/call-record';
import { useCallSession } from './call-session';
import { reportShellActivity } from './shell-activity';

const record = (status: CallRecord['status']) => ({ id: '0190a000-0000-7000-8000-000000000001', status }) as CallRecord;

describe('what the screen tells the shell about open calls', () => {
  const initial = useCallSession.getState();
  afterEach(() => useCallSession.setState(initial, true));

  it('says when a draft is open and when typing is unsaved, once per change', () => {
    const call = vi.fn(async () => ({ ok: true as const, value: { recorded: true } }));
    const stop = reportShellActivity({ call, on: () => () => {} } as unknown as CrisisDeskClient);
    useCallSession.setState({ record: record('draft'), save: { kind: 'saved', at: '2026-12-07T10:00:00Z' } });
    useCallSession.setState({ save: { kind: 'pending' } });
    useCallSession.setState({ save: { kind: 'saving' } });
    useCallSession.setState({ save: { kind: 'saved', at: '2026-12-07T10:00:01Z' } });
    useCallSession.setState({ notice: null });
    useCallSession.setState({ record: record('finalised') });
    useCallSession.setState({ record: null });
    stop();
    useCallSession.setState({ record: record('draft') });
    expect(call.mock.calls.map((c) => (c as unknown[])[1])).toEqual([
      { callOpen: false, savePending: false },
      { callOpen: true, savePending: false },
      { callOpen: true, savePending: true },
      { callOpen: true, savePending: false },
      { callOpen: false, savePending: false },
    ]);
    expect(call.mock.calls.every((c) => (c as unknown[])[0] === 'app.activity')).toBe(true);
  });
});
