import { describe, expect, it } from 'vitest';
import { callReference, matchesCallReference } from './call-reference';

describe('call references', () => {
  const id = '0190a0b1-2c3d-7e4f-8a5b-6c7dc3f091a2';
  it('are the last eight hex digits of the record id, upper case, with a dash', () => {
    expect(callReference(id)).toBe('C3F0-91A2');
  });
  it('match as typed, in any case, with or without the dash', () => {
    for (const typed of ['C3F0-91A2', 'c3f091a2', ' c3f0-91a2 ']) expect(matchesCallReference(id, typed)).toBe(true);
    for (const typed of ['C3F0-91A3', 'C3F0', '', '0190a0b1']) expect(matchesCallReference(id, typed)).toBe(false);
  });
});
