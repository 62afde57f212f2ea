import { describe, expect, it } from 'vitest';
import { CallRecordContent, emptyCallRecordContent } from '../../../../shared/domain/call-record';
import { FormSchema, fromContent, parseAge, parseDateOfBirth, toContent } from './form-model';

describe('the form model of the call record', () => {
  it('round-trips a record through the form without changing it', () => {
    const c = emptyCallRecordContent('2026-11-22T14:02:00.000Z');
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

  it('keeps half-typed text in the form and stores it as empty until it reads', () => {
    const v = fromContent(emptyCallRecordContent('2026-11-22T14:02:00.000Z'));
    v.caller.dateOfBirth = '27/03/19';
    v.caller.ageYears = '3x';
    const c = toContent(v);
    expect(c.caller.dateOfBirth).toBeNull();
    expect(c.caller.ageYears).toBeNull();
    expect(CallRecordContent.safeParse(c).success).toBe(true);
    const r = FormSchema.safeParse(v);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['caller.ageYears', 'caller.dateOfBirth']);
  });

  it('reads dates of birth the ways people type them, and refuses impossible ones', () => {
    const today = new Date('2026-11-22T12:00:00Z');
    expect(parseDateOfBirth('27/03/1985', today)).toBe('1985-03-27');
    expect(parseDateOfBirth('7-3-1985', today)).toBe('1985-03-07');
    expect(parseDateOfBirth('1985-03-27', today)).toBe('1985-03-27');
    expect(parseDateOfBirth('31/02/1985', today)).toBeNull();
    expect(parseDateOfBirth('01/01/2030', today)).toBeNull();
    expect(parseAge('16')).toBe(16);
    expect(parseAge('200')).toBeNull();
  });

  it('flags an NHS number that fails its check digit', () => {
    const v = fromContent(emptyCallRecordContent('2026-11-22T14:02:00.000Z'));
    v.caller.nhsNumber = '943 476 5918';
    expect(FormSchema.safeParse(v).error?.issues[0]?.path.join('.')).toBe('caller.nhsNumber');
    v.caller.nhsNumber = '943 476 5919';
    expect(FormSchema.safeParse(v).success).toBe(true);
    expect(toContent(v).caller.nhsNumber).toBe('9434765919');
  });
});
