import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { open, rename, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that after a crash or a power cut it holds the old content or the new,
 * never part of either: a temporary file beside it (readable by this user only), fsync, rename
 * over the file, then fsync of the folder so that the rename itself is on disk. A write that fails
 * (a full disk) leaves the file as it was and takes its temporary file away.
 */
export function writeFileDurably(file: string, content: string | Buffer | readonly Uint8Array[]): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(tmp, content, { mode: 0o600 });
    // Parts written one after another, never joined into one buffer (a large file's parts: search-index-file.ts).
    else writeParts(tmp, content);
    // The mode applies only when the file is created: one left by an earlier process with this id keeps its own.
    chmodSync(tmp, 0o600);
    fsyncPath(tmp, 'r+');
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The write's own error says what went wrong.
    }
    throw e;
  }
  // Folders cannot be opened for fsync on Windows; the rename is already durable enough there.
  if (process.platform !== 'win32') fsyncPath(dir, 'r');
}

function writeParts(file: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    for (const part of parts) {
      for (let done = 0; done < part.length; ) done += writeSync(fd, part, done, part.length - done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the temporary files writeFileDurably left beside `file` when a process was killed in the
 * middle of a write (`file.tmp-<pid>`; a large file's are worth removing: the search index's are
 * 11 MB each). Best effort: left for the next call when the folder cannot be read.
 */
export function removeDurableLeftovers(file: string): void {
  try {
    const prefix = `${path.basename(file)}.tmp-`;
    for (const name of readdirSync(path.dirname(file))) if (name.startsWith(prefix)) rmSync(path.join(path.dirname(file), name), { force: true });
  } catch {
    // Left for the next call.
  }
}

/**
 * Creates a small file that must never be replaced once it exists (a key): written whole beside it
 * (this user only), fsync, then hard-linked into place, which fails with EEXIST when another process
 * got there first; then fsync of the folder. A crash or a full disk never leaves a part-written
 * file that would refuse every later start.
 */
export function createFileDurably(file: string, content: string | Buffer): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.new-${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    fsyncPath(tmp, 'r+');
    linkSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  if (process.platform !== 'win32') fsyncPath(dir, 'r');
}

function fsyncPath(target: string, flags: 'r' | 'r+'): void {
  const fd = openSync(target, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The file's text, or null when it does not exist; other errors are thrown. */
export function readTextIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * writeFileDurably without blocking the thread: the same steps (a temporary file of this user's,
 * fsync, rename, fsync of the folder) on libuv's pool. Only one at a time per file: see LatestFile.
 */
export async function writeFileDurablyAsync(file: string, content: string | Buffer): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-async`;
  try {
    await writeFile(tmp, content, { mode: 0o600 });
    await chmod(tmp, 0o600);
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  if (process.platform !== 'win32') {
    const folder = await open(dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }
}

/**
 * A small file that holds the latest of a stream of values (counts reported on every event): each
 * write is durable, made off the thread, one at a time, and a value superseded before its turn is
 * never written. So a burst of a hundred events costs at most two writes, and none blocks the thread.
 */
export class LatestFile {
  private latest: string | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly onError: (e: unknown) => void = () => {},
  ) {}

  /** Writes `content` once the write under way (if any) is done, unless a newer one comes first. */
  write(content: string): void {
    this.latest = content;
    this.running ??= this.drain();
  }

  /** True while a value is still to reach the disk. */
  get pending(): boolean {
    return this.running !== null;
  }

  /** Resolves once every value given so far is on disk (or failed, told to onError). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest !== null) {
        const content = this.latest;
        this.latest = null;
        try {
          await writeFileDurablyAsync(this.file, content);
        } catch (e) {
          this.onError(e);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
