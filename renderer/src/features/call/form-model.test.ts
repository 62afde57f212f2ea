import { describe, expect, it } from 'vitest';
import { DraftContent, emptyCallRecordContent } from '../../../../shared/domain/call-record';
import { TYPED_FIELD_MESSAGES } from '../../../../shared/domain/finalise';
import { fieldProblems, fieldResolver, fromContent, nhsNumberInput, parseAge, parseDateOfBirth, toContent } from './form-model';

const STARTED = '2026-11-22T14:02:00.000Z';
const blankForm = () => fromContent(emptyCallRecordContent(STARTED));
const problemsAt = (v: ReturnType<typeof blankForm>, now = new Date(STARTED)) => fieldProblems(v, now);

describe('the form model of the call record', () => {
  it('round-trips a record through the form without changing it', () => {
    const c = emptyCallRecordContent(STARTED);
    c.caller = { ...c.caller, type: 'self', name: 'Sam', dateOfBirth: '1990-03-27', ageYears: null, nhsNumber: '9434765919' };
    c.callback = { required: true, dueAt: '2026-11-22T16:30:00.000Z', phone: '07700 900123', reason: 'check in', completedAt: null };
    c.outcome.code = '02';
    expect(toContent(fromContent(c))).toEqual(c);
  });

  it('shows the callback time as London wall clock (BST in summer)', () => {
    const c = emptyCallRecordContent('2026-07-01T10:00:00.000Z');
    c.callback = { ...c.callback, required: true, dueAt: '2026-07-01T15:00:00.000Z' };
    expect(fromContent(c).callback.dueAt).toBe('01/07/2026 16:00');
  });

  it('saves what does not read yet as typed, aside, and gives it back to the form after a reload', () => {
    const v = blankForm();
    v.caller.dateOfBirth = '27/03/19';
    v.caller.ageYears = 'about 40';
    v.callback.required = true;
    v.callback.dueAt = 'tomorrow 3pm';
    const c = toContent(v);
    expect(c.caller.dateOfBirth).toBeNull();
    expect(c.caller.ageYears).toBeNull();
    expect(c.callback.dueAt).toBeNull();
    expect(c.typed).toEqual({ 'caller.dateOfBirth': '27/03/19', 'caller.ageYears': 'about 40', 'callback.dueAt': 'tomorrow 3pm' });
    expect(DraftContent.safeParse(c).success).toBe(true);
    expect(fromContent(c)).toEqual(v);
    expect(fieldProblems(v).map((p) => [p.path, p.message])).toEqual([
      ['caller.dateOfBirth', TYPED_FIELD_MESSAGES['caller.dateOfBirth']],
      ['caller.ageYears', TYPED_FIELD_MESSAGES['caller.ageYears']],
      ['callback.dueAt', TYPED_FIELD_MESSAGES['callback.dueAt']],
    ]);
  });

  it('reads dates of birth the ways people type them, and only real dates', () => {
    expect(parseDateOfBirth('27/03/1985')).toBe('1985-03-27');
    expect(parseDateOfBirth('7-3-1985')).toBe('1985-03-07');
    expect(parseDateOfBirth('7 3 1985')).toBe('1985-03-07');
    expect(parseDateOfBirth('1985-03-27')).toBe('1985-03-27');
    expect(parseDateOfBirth('31/02/1985')).toBeNull();
    expect(parseDateOfBirth('29/02/2023')).toBeNull();
    expect(parseDateOfBirth('29/02/2024')).toBe('2024-02-29');
    expect(parseAge('16')).toBe(16);
    expect(parseAge('200')).toBeNull();
  });

  it('a date of birth in the future is one message, that it is in the future (not “wrong format”), and is kept', () => {
    const v = blankForm();
    v.caller.dateOfBirth = '01/01/2030';
    expect(problemsAt(v)).toEqual([{ path: 'caller.dateOfBirth', message: expect.stringMatching(/^This date of birth is in the future/) }]);
    expect(toContent(v).caller.dateOfBirth).toBe('2030-01-01');
    // Today (London) is a possible date of birth; tomorrow is not. 00:30 BST on 11 June is 11 June.
    const summer = fromContent(emptyCallRecordContent('2026-06-10T23:30:00.000Z'));
    summer.caller.dateOfBirth = '11/06/2026';
    expect(fieldProblems(summer)).toEqual([]);
    summer.caller.dateOfBirth = '12/06/2026';
    expect(fieldProblems(summer).map((p) => p.path)).toEqual(['caller.dateOfBirth']);
  });

  it('an NHS number has one message whatever is wrong with it', () => {
    for (const n of ['943 476 5918', '943 476 591', '943476591X']) {
      const v = blankForm();
      v.caller.nhsNumber = n;
      expect(problemsAt(v).map((p) => p.path), n).toEqual(['caller.nhsNumber']);
    }
    const v = blankForm();
    v.caller.nhsNumber = '943 476 5919';
    expect(fieldProblems(v)).toEqual([]);
    expect(toContent(v).caller.nhsNumber).toBe('9434765919');
  });

  it('lets only digits and spaces be typed into the NHS number (a dash becomes a space)', () => {
    expect(nhsNumberInput('943 476 5919')).toEqual({ value: '943 476 5919', dropped: false });
    expect(nhsNumberInput('943-476-5919')).toEqual({ value: '943 476 5919', dropped: false });
    expect(nhsNumberInput('NHS: 943 476 5919')).toEqual({ value: ' 943 476 5919', dropped: true });
    expect(nhsNumberInput('abc')).toEqual({ value: '', dropped: true });
    expect(nhsNumberInput('９４３')).toEqual({ value: '', dropped: true });
  });

  it('a callback due time that has passed is said at the field, unless the callback was made', () => {
    const v = blankForm();
    v.callback = { ...v.callback, required: true, dueAt: '22/11/2026 13:00' };
    expect(problemsAt(v, new Date('2026-11-22T14:30:00.000Z'))).toEqual([{ path: 'callback.dueAt', message: expect.stringMatching(/This time has passed/) }]);
    expect(problemsAt(v, new Date('2026-11-22T12:30:00.000Z'))).toEqual([]);
    v.callback.completedAt = '2026-11-22T14:20:00.000Z';
    expect(problemsAt(v, new Date('2026-11-22T14:30:00.000Z'))).toEqual([]);
  });

  it('never saves a character the server could not store', () => {
    const v = blankForm();
    v.presentingNeed.summary = 'pasted\u0000text';
    expect(toContent(v).presentingNeed.summary).toBe('pasted\ufffdtext');
  });

  it('the form’s resolver puts each message at its field, whatever another field holds (a radio group with nothing chosen reads as null)', async () => {
    const v = blankForm();
    v.caller.nhsNumber = '943 476 5910';
    v.caller.dateOfBirth = '01/01/2099';
    (v.caller as { type: unknown }).type = null;
    (v.outcome as { code: unknown }).code = null;
    const r = await fieldResolver(v, undefined, { fields: {}, shouldUseNativeValidation: false });
    expect(r.errors).toEqual({
      caller: {
        nhsNumber: { type: 'field', message: expect.stringMatching(/^This is not a valid NHS number/) },
        dateOfBirth: { type: 'field', message: expect.stringMatching(/^This date of birth is in the future/) },
      },
    });
    v.caller.nhsNumber = '943 476 5919';
    v.caller.dateOfBirth = '';
    expect((await fieldResolver(v, undefined, { fields: {}, shouldUseNativeValidation: false })).errors).toEqual({});
  });
});
