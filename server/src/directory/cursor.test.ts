import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor';

describe('changes-feed cursors', () => {
  it('read back the position they were made from', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{12}$/),
        fc.nat({ max: 2 ** 40 }),
        fc.option(fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }), { nil: null }),
        fc.nat({ max: 2 ** 40 }),
        (directory, version, afterId, floor) => {
          const cursor = encodeCursor({ directory, version, afterId, floor });
          expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeCursor(cursor)).toEqual({ directory, version, afterId, floor });
        },
      ),
    );
  });

  it('turn anything else into null, never an exception', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void decodeCursor(s)));
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of ['', 'garbage!', 'x'.repeat(3000), forge(['c1', 'abcdef012345', -1, null, 0]), forge(['c1', 'abcdef012345', 1.5, null, 0]), forge(['c1', 'abcdef012345', 1, null]), forge(['c2', 'abcdef012345', 1, null, 0]), forge(['c1', 'NOT-HEX', 1, null, 0]), forge(['c1', 'abcdef012345', 1, '', 0]), forge(['c1', 'abcdef012345', 1, null, '0']), forge({ v: 1 })]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});
