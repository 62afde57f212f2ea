import { describe, expect, it } from 'vitest';
import { emptyCallRecordContent } from './call-record';
import { RECORD_FIELDS, recordFieldLabel } from './record-fields';

/** The paths of a record's fields as the table keys them (a referral's fields as 'referrals.*.x'). */
function fieldPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((item) => (item && typeof item === 'object' ? fieldPaths(item, `${path}.*`).filter((p) => p !== `${path}.*`) : []))];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, path ? `${path}.${k}` : k));
  return [path];
}

describe('the record field table', () => {
  const content = emptyCallRecordContent('2026-12-07T10:00:00.000Z');
  content.referrals.push({ id: 'r', serviceId: 's', serviceName: 'Synthetic Crisis Team', serviceType: 'crisis_helpline', serviceAgeMin: null, serviceAgeMax: null, method: 'referred', at: '2026-12-07T10:05:00.000Z', notes: '' });

  it('has words for every field a record holds, and for nothing else', () => {
    expect(Object.keys(RECORD_FIELDS).sort()).toEqual([...new Set(fieldPaths(content))].sort());
  });

  it('names a field in full, briefly where the part of the record is what matters, or under its section', () => {
    expect(recordFieldLabel('presentingNeed.summary')).toBe('Presenting need: summary');
    expect(recordFieldLabel('presentingNeed.summary', 'brief')).toBe('Presenting need');
    expect(recordFieldLabel('risk.toSelf.notes', 'brief')).toBe('Risk to self: notes');
    expect(recordFieldLabel('outcome.notes', 'inSection')).toBe('Notes');
    expect(recordFieldLabel('caller.postcode', 'inSection')).toBe('Postcode');
  });

  it('numbers a referral’s fields from 1, and gives back a path that is not a field', () => {
    expect(recordFieldLabel('referrals.2.notes')).toBe('Referral 3: notes');
    expect(recordFieldLabel('referrals.0.notes', 'brief')).toBe('Referral 1: notes');
    expect(recordFieldLabel('referrals.0.colour')).toBe('colour');
    expect(recordFieldLabel('typed.caller.ageYears')).toBe('typed.caller.ageYears');
    expect(recordFieldLabel('constructor')).toBe('constructor');
  });
});
