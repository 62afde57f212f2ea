import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOpenCode, CODE_TTL_MS, CodeLedger, freshAddress, HOST_ACCESS_FILE, isTabSession, loadHostAccess, newOpenCode, newTabSession, saveHostAccess, type HostAccess } from './host-access';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-access-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the browser host’s kept address', () => {
  it('a new desk gets a new secret, no port and no launch yet', () => {
    const a = loadHostAccess(dir);
    expect(a).toMatchObject({ port: 0, launch: 0 });
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadHostAccess(dir).secret).not.toBe(a.secret); // nothing kept until saved
  });

  it('is kept readable by this user only, and read back as it was', () => {
    const a = { port: 38047, secret: loadHostAccess(dir).secret, launch: 3 };
    saveHostAccess(dir, a);
    const file = path.join(dir, HOST_ACCESS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadHostAccess(dir)).toEqual(a);
    expect(freshAddress(a)).toMatch(/^http:\/\/127\.0\.0\.1:38047\/\?code=3\.\d+\.[\w-]{22}\.[\w-]{43}$/);
    expect(freshAddress(a)).not.toContain(a.secret);
    // Saved again over a file someone made world-readable: 0600 again.
    writeFileSync(file, readFileSync(file), { mode: 0o644 });
    saveHostAccess(dir, a);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // A file from before launches were counted is read as launch 0.
    writeFileSync(file, JSON.stringify({ port: 38047, secret: a.secret }));
    expect(loadHostAccess(dir)).toEqual({ ...a, launch: 0 });
  });

  it('a damaged or tampered file is reported and replaced, never trusted', () => {
    const file = path.join(dir, HOST_ACCESS_FILE);
    for (const bad of ['', '{', 'null', '{"port":0,"secret":"x"}', '{"port":70000,"secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}', '{"port":8000,"secret":"short"}', '{"port":8000,"secret":"<script>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}', '{"port":8000,"secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","launch":-1}']) {
      writeFileSync(file, bad);
      const warnings: string[] = [];
      const a = loadHostAccess(dir, (m) => warnings.push(m));
      expect(a.port).toBe(0);
      expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(warnings.join()).toMatch(/not a saved desk address/);
    }
  });
});

describe('one-time codes and tab sessions', () => {
  const access: HostAccess = { port: 38047, secret: 'S'.repeat(43), launch: 5 };
  const now = 1_800_000_000_000;

  it('a code works for this desk, port and launch, within its time, and the ledger takes it once', () => {
    const code = newOpenCode(access, now);
    const check = checkOpenCode(access, code, now + 1000);
    expect(check).toMatchObject({ ok: true });
    const ledger = new CodeLedger();
    expect(ledger.take(check as Extract<typeof check, { ok: true }>, now)).toBe(true);
    expect(ledger.take(check as Extract<typeof check, { ok: true }>, now + 2000)).toBe(false);
    expect(checkOpenCode(access, code, now + CODE_TTL_MS + 1000)).toEqual({ ok: false, reason: 'expired' });
    for (const other of [{ ...access, launch: 6 }, { ...access, port: 38048 }, { ...access, secret: 'T'.repeat(43) }]) {
      expect(checkOpenCode(other, code, now)).toEqual({ ok: false, reason: 'not_this_desk' });
    }
    // Tampered: a later expiry, another launch, garbage.
    const [l, e, n, m] = code.split('.');
    for (const forged of [`${l}.${Number(e) + 3600}.${n}.${m}`, `6.${e}.${n}.${m}`, '', 'x'.repeat(5000), `${code}.x`]) {
      expect(checkOpenCode(access, forged, now)).toMatchObject({ ok: false });
    }
  });

  it('a tab session is this desk’s for this port, and outlives a restart with the same secret', () => {
    const s = newTabSession(access);
    expect(isTabSession(access, s)).toBe(true);
    expect(isTabSession({ port: access.port, secret: access.secret }, s)).toBe(true); // whichever launch of the host
    expect(isTabSession({ ...access, port: 38048 }, s)).toBe(false);
    expect(isTabSession({ ...access, secret: 'T'.repeat(43) }, s)).toBe(false);
    for (const bad of [undefined, null, '', `${s}x`, s.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), access.secret]) expect(isTabSession(access, bad)).toBe(false);
  });
});
