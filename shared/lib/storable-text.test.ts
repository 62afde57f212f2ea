import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableText, unstorableText } from './storable-text';

describe('text PostgreSQL can store', () => {
  it('replaces NUL and halves of surrogate pairs, and keeps everything else', () => {
    expect(storableText('a\u0000b')).toBe('a\ufffdb');
    expect(storableText('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(storableText('emoji 😀 stays, é too')).toBe('emoji 😀 stays, é too');
  });

  it('whatever is pasted, the result is storable and as long as it was (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const out = storableText(s);
        expect(unstorableText(out)).toBe(false);
        expect(out.length).toBe(s.length);
        if (!unstorableText(s)) expect(out).toBe(s);
      }),
      { seed: 20_261_207, numRuns: 1000 },
    );
  });
});
