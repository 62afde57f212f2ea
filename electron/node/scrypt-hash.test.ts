import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashSecret, verifySecret } from './scrypt-hash';

// 2^10: 1 MiB and about a millisecond a hash, so that the property below can try many secrets.
const CHEAP = 10;

describe('scrypt secrets', () => {
  it('stores the scheme, cost and a random salt, and verifies only the same secret', async () => {
    const a = await hashSecret('harbour-7', CHEAP);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(await hashSecret('harbour-7', CHEAP));
    expect(await verifySecret('harbour-7', a)).toBe(true);
    expect(await verifySecret('harbour-8', a)).toBe(false);
    expect(await verifySecret('', a)).toBe(false);
  });

  it('verifies a secret typed composed (NFC) and decomposed (NFD) the same, either way round', async () => {
    const composed = 'Zoë-café-Ångström'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifySecret(decomposed, await hashSecret(composed, CHEAP))).toBe(true);
    expect(await verifySecret(composed, await hashSecret(decomposed, CHEAP))).toBe(true);
    // Only canonical equivalence: a compatibility variant (ﬁ ligature vs "fi") is another secret.
    expect(await verifySecret('ﬁsh-1234', await hashSecret('fish-1234', CHEAP))).toBe(false);
  });

  it('verifies every canonically equivalent spelling of any secret alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), async (secret) => {
        const stored = await hashSecret(secret.normalize('NFD'), CHEAP);
        return (await verifySecret(secret, stored)) && (await verifySecret(secret.normalize('NFC'), stored));
      }),
      { numRuns: 60 },
    );
  });

  it('never matches a malformed hash, one too costly, or one cheaper than allowed', async () => {
    const cheap = await hashSecret('harbour-7', CHEAP);
    for (const stored of ['', 'plain', 'scrypt$10$8$1$c2FsdA', 'scrypt$30$8$1$x$y', 'scrypt$0$8$1$x$y', 'scrypt$1.5$8$1$x$y', 'bcrypt$10$8$1$c2FsdA$aGFzaA']) {
      expect(await verifySecret('harbour-7', stored), stored).toBe(false);
      expect(await verifySecret('harbour-7', stored, { equalTimeLog2N: CHEAP }), stored).toBe(false);
    }
    expect(await verifySecret('harbour-7', cheap, { minLog2N: 11 })).toBe(false);
    expect(await verifySecret('harbour-7', cheap, { minLog2N: 10 })).toBe(true);
  });
});
