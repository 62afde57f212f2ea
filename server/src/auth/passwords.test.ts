import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords';

describe('password hashes', () => {
  it('stores scrypt with its cost and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('demo-password');
    const b = await hashPassword('demo-password');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('demo-password', a)).toBe(true);
    expect(await verifyPassword('demo-passwore', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('never matches a missing or malformed hash', async () => {
    expect(await verifyPassword('anything', null)).toBe(false);
    for (const stored of ['', 'plain-text', 'scrypt$15$8$1$c2FsdA', 'scrypt$99$8$1$c2FsdA$aGFzaA', 'bcrypt$10$8$1$c2FsdA$aGFzaA']) {
      expect(await verifyPassword('anything', stored)).toBe(false);
    }
  });
});

describe('password hashes and Unicode', () => {
  it('a password set composed verifies when typed decomposed, and the other way round', async () => {
    const nfc = 'Siân-Öztürk-2026'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(await verifyPassword(nfd, await hashPassword(nfc))).toBe(true);
    expect(await verifyPassword(nfc, await hashPassword(nfd))).toBe(true);
  });
});
