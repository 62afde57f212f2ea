import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The browser host has no OS keychain (Electron's safeStorage wraps the key in the desktop app),
 * so its desk key lives in a file only this user can read. The browser host is for development,
 * tests and demos; patient data belongs in the desktop app.
 */
export function loadOrCreateDeskKey(file: string): Buffer {
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte desk key. Move it aside to start a new desk.`);
    return key;
  }
  const key = randomBytes(32);
  // Written beside and linked into place, so a disk that fills up mid-write never leaves a
  // half-written key that would refuse every later start; linking fails if another start won.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, key.toString('hex'), { mode: 0o600, flag: 'wx' });
    linkSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  return key;
}
