import { describe, expect, it } from 'vitest';
import { CoreError, hasErrorCode, type ContractError } from './errors';

describe('hasErrorCode', () => {
  const conflict: ContractError = { code: 'revision_conflict', message: 'Changed elsewhere.' };

  it('is true only for an error carrying one of the codes asked about', () => {
    expect(hasErrorCode(conflict, 'revision_conflict')).toBe(true);
    expect(hasErrorCode(conflict, 'record_finalised', 'revision_conflict')).toBe(true);
    expect(hasErrorCode(conflict, 'record_finalised')).toBe(false);
    expect(hasErrorCode(conflict)).toBe(false);
  });

  it('answers false for no error, and reads a CoreError the same as its envelope', () => {
    expect(hasErrorCode(null, 'internal')).toBe(false);
    expect(hasErrorCode(undefined, 'internal')).toBe(false);
    expect(hasErrorCode(new CoreError('forbidden', 'Not your team.'), 'forbidden')).toBe(true);
  });

  it('takes only the contract’s codes', () => {
    // @ts-expect-error a code the contract does not have does not compile
    expect(hasErrorCode(conflict, 'invalid_request')).toBe(false);
  });
});
