import { describe, expect, it } from 'vitest';
import { byteRangeOf } from './byte-range';

describe('byteRangeOf', () => {
  it('reads a single range in each of its forms', () => {
    expect(byteRangeOf('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(byteRangeOf('bytes=500-', 1000)).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(byteRangeOf('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(byteRangeOf('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(byteRangeOf('bytes=900-5000', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
  });

  it('sends the whole file for no range, several ranges or one that does not parse', () => {
    for (const h of [undefined, '', 'bytes=0-1,5-6', 'items=0-5', 'bytes=5-1', 'bytes=-', 'bytes=a-b']) expect(byteRangeOf(h, 1000)).toEqual({ kind: 'full' });
  });

  it('cannot satisfy a range starting past the end', () => {
    expect(byteRangeOf('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRangeOf('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(byteRangeOf('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
