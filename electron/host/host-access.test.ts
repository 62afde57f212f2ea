import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOST_ACCESS_FILE, loadHostAccess, openAddress, saveHostAccess } from './host-access';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-access-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the browser host’s kept address', () => {
  it('a new desk gets a new secret and no port yet', () => {
    const a = loadHostAccess(dir);
    expect(a.port).toBe(0);
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadHostAccess(dir).secret).not.toBe(a.secret); // nothing kept until saved
  });

  it('is kept readable by this user only, and read back as it was', () => {
    const a = { port: 38047, secret: loadHostAccess(dir).secret };
    saveHostAccess(dir, a);
    const file = path.join(dir, HOST_ACCESS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadHostAccess(dir)).toEqual(a);
    expect(openAddress(a.port, a.secret)).toBe(`http://127.0.0.1:38047/?k=${a.secret}`);
    // Saved again over a file someone made world-readable: 0600 again.
    writeFileSync(file, readFileSync(file), { mode: 0o644 });
    saveHostAccess(dir, a);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a damaged or tampered file is reported and replaced, never trusted', () => {
    const file = path.join(dir, HOST_ACCESS_FILE);
    for (const bad of ['', '{', 'null', '{"port":0,"secret":"x"}', '{"port":70000,"secret":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}', '{"port":8000,"secret":"short"}', '{"port":8000,"secret":"<script>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}']) {
      writeFileSync(file, bad);
      const warnings: string[] = [];
      const a = loadHostAccess(dir, (m) => warnings.push(m));
      expect(a.port).toBe(0);
      expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(warnings.join()).toMatch(/not a saved desk address/);
    }
  });
});
