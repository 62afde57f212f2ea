import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileDurably, readTextIfExists, writeFileDurably } from './durable-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-durable-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const posix = process.platform !== 'win32';

describe('writeFileDurably', () => {
  it('writes the file (making its folder), readable by this user only, and replaces it whole', () => {
    const file = path.join(dir, 'nested', 'folder', 'state.json');
    writeFileDurably(file, '{"a":1}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileDurably(file, Buffer.from('{"a":2}\n'));
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}\n');
    expect(readdirSync(path.dirname(file))).toEqual(['state.json']);
  });

  it('keeps this user’s mode even over a temporary file an earlier process with the same id left open to all', () => {
    const file = path.join(dir, 'secret.json');
    writeFileSync(`${file}.tmp-${process.pid}`, 'left over', { mode: 0o644 });
    writeFileDurably(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it.runIf(process.platform === 'linux')('on a full disk: throws the kernel’s ENOSPC, the old content stays, and no temporary file is left', () => {
    const file = path.join(dir, 'state.json');
    writeFileDurably(file, 'old');
    // /dev/full refuses every write with ENOSPC, as a full disk does.
    symlinkSync('/dev/full', `${file}.tmp-${process.pid}`);
    expect(() => writeFileDurably(file, 'new')).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(existsSync(`${file}.tmp-${process.pid}`)).toBe(false);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});

describe('readTextIfExists', () => {
  it('is the text, or null when there is no file; any other failure is thrown', () => {
    const file = path.join(dir, 'a.txt');
    expect(readTextIfExists(file)).toBeNull();
    writeFileSync(file, 'text');
    expect(readTextIfExists(file)).toBe('text');
    expect(() => readTextIfExists(dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});

describe('createFileDurably', () => {
  it('creates the file whole (this user only) and never replaces one that exists', () => {
    const file = path.join(dir, 'keys', 'desk.key');
    createFileDurably(file, 'first');
    expect(readFileSync(file, 'utf8')).toBe('first');
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => createFileDurably(file, 'second')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(readdirSync(path.dirname(file))).toEqual(['desk.key']);
  });

  it('writes over a half-written temporary file a crashed earlier process with the same id left', () => {
    const file = path.join(dir, 'desk.key');
    writeFileSync(`${file}.new-${process.pid}`, 'half', { mode: 0o644 });
    createFileDurably(file, 'whole');
    expect(readFileSync(file, 'utf8')).toBe('whole');
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['desk.key']);
  });
});
