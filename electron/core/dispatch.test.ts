import { describe, expect, it, vi } from 'vitest';
import { CoreError, METHODS, type MethodName } from '../../shared/contract';
import { dispatch, type Handlers } from './dispatch';

const RECORD_ID = '01890000-0000-7000-8000-000000000000';

/** Handlers that record being called; a call that reaches one with bad params is a failure. */
function spyHandlers(impl: (method: MethodName, params: unknown) => unknown = () => 'handled') {
  const called: MethodName[] = [];
  const handlers = Object.fromEntries(
    (Object.keys(METHODS) as MethodName[]).map((m) => [m, (params: unknown) => (called.push(m), impl(m, params))]),
  ) as unknown as Handlers;
  return { handlers, called };
}

describe('dispatch of calls.*', () => {
  const badParams: [MethodName, unknown, string][] = [
    ['calls.create', { contactRoute: 'carrier_pigeon' }, 'contactRoute'],
    ['calls.save', { id: RECORD_ID, revision: 0, content: {} }, 'revision'],
    ['calls.save', { id: 'nope', revision: 1 }, 'id'],
    ['calls.get', {}, 'id'],
    ['calls.list', { statuses: ['lost'] }, 'statuses[0]'],
    ['calls.list', { limit: 100000 }, 'limit'],
    ['calls.finalise', { id: RECORD_ID, revision: 1.5 }, 'revision'],
    ['calls.addAddendum', { id: RECORD_ID, text: '   ' }, 'text'],
    ['calls.discard', { id: RECORD_ID, revision: 1, reason: '' }, 'reason'],
    ['calls.revisions', { id: 42 }, 'id'],
    ['calls.get', 'a string', '(params)'],
  ];

  it.each(badParams)('%s with bad params answers invalid_params naming %s, without calling the handler', async (method, params, field) => {
    const { handlers, called } = spyHandlers();
    const answer = await dispatch(handlers, method, params);
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('invalid_params');
    expect(answer.error.fields?.map((f) => f.field)).toContain(field);
    expect(answer.error.message).toContain(method);
    expect(called).toEqual([]);
  });

  it('answers an unknown method with unknown_method', async () => {
    const { handlers } = spyHandlers();
    expect(await dispatch(handlers, 'calls.delete', { id: RECORD_ID })).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await dispatch(handlers, { evil: true }, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('leaves the shell’s app.* methods to the desktop app', async () => {
    const { handlers, called } = spyHandlers();
    const answer = await dispatch(handlers, 'app.lockNow', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'unknown_method', message: expect.stringMatching(/desktop app/) } });
    expect(called).toEqual([]);
  });

  it('turns what a handler throws into an error envelope, never a throw', async () => {
    const onInternal = vi.fn();
    const throwing = (e: unknown) => spyHandlers(() => { throw e; }).handlers;

    expect(await dispatch(throwing(new CoreError('record_finalised', 'Add an addendum.')), 'calls.get', { id: RECORD_ID }, onInternal)).toEqual({
      ok: false,
      error: { code: 'record_finalised', message: 'Add an addendum.' },
    });
    expect(await dispatch(throwing(Object.assign(new Error('disk'), { code: 'SQLITE_FULL' })), 'calls.get', { id: RECORD_ID }, onInternal)).toMatchObject({
      ok: false,
      error: { code: 'storage_full' },
    });
    expect(onInternal).not.toHaveBeenCalled();

    const answer = await dispatch(throwing(new TypeError('caller name Quillfeather')), 'calls.get', { id: RECORD_ID }, onInternal);
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(answer)).not.toContain('Quillfeather');
    expect(onInternal).toHaveBeenCalledOnce();
  });

  it('passes parsed params to the handler and answers its value', async () => {
    const { handlers, called } = spyHandlers((_m, params) => params);
    expect(await dispatch(handlers, 'calls.addAddendum', { id: RECORD_ID, text: '  trimmed  ' })).toEqual({ ok: true, value: { id: RECORD_ID, text: 'trimmed' } });
    expect(called).toEqual(['calls.addAddendum']);
  });
});
