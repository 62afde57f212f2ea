import { describe, expect, it } from 'vitest';
import { ageOf, dataAge, fromLocalText, localTextAt, relativeMoment, toLocalText } from './time';

describe('London times on the screen', () => {
  it('reads and writes callback times as London wall clock, in GMT and in BST', () => {
    expect(fromLocalText('22/11/2026 15:30')).toBe('2026-11-22T15:30:00.000Z');
    expect(fromLocalText('1/7/2026 9:05')).toBe('2026-07-01T08:05:00.000Z');
    expect(toLocalText('2026-07-01T08:05:00.000Z')).toBe('01/07/2026 09:05');
    expect(fromLocalText('31/02/2026 10:00')).toBeNull();
    expect(fromLocalText('22/11/2026 25:00')).toBeNull();
    expect(fromLocalText('3pm')).toBeNull();
  });

  it('sets "tomorrow 09:00" by the London date, even just after midnight in BST', () => {
    expect(localTextAt(new Date('2026-06-30T23:30:00Z'), 1, 9, 0)).toBe('02/07/2026 09:00');
  });

  it('says moments and ages the way a clinician does', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    expect(relativeMoment('2026-11-24T16:00:00Z', now)).toBe('16:00');
    expect(relativeMoment('2026-11-25T09:00:00Z', now)).toBe('tomorrow 09:00');
    expect(relativeMoment('2026-12-03T09:00:00Z', now)).toBe('Thu 3 Dec 09:00');
    expect(ageOf('2026-11-24T10:55:00Z', now)).toBe('1 h 5 min ago');
    expect(dataAge(null)).toBe('Never verified by the publisher');
    expect(dataAge(400)).toMatch(/over a year ago/);
  });
});
