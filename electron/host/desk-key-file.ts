import { randomBytes } from 'node:crypto';
import { createFileDurably, readTextIfExists } from '../node/durable-file';

/**
 * The browser host has no OS keychain (Electron's safeStorage wraps the key in the desktop app),
 * so its desk key lives in a file only this user can read. The browser host is for development,
 * tests and demos; patient data belongs in the desktop app.
 */
export function loadOrCreateDeskKey(file: string): Buffer {
  const text = readTextIfExists(file);
  if (text !== null) {
    const key = Buffer.from(text.trim(), 'hex');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte desk key. Move it aside to start a new desk.`);
    return key;
  }
  const key = randomBytes(32);
  try {
    createFileDurably(file, key.toString('hex'));
  } catch (e) {
    // Another start won the race: its key is the desk's.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDeskKey(file);
    throw e;
  }
  return key;
}
