import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { DirectoryProgress } from '../../../shared/contract';
import { META_KEYS } from '../../../shared/directory/schema';
import { canUpgradeDirectory } from '../../../shared/directory/snapshot';
import { DirectoryWriter } from '../../../shared/directory/store';
import { DirectoryChangeLine, DirectoryManifest } from '../../../shared/sync/protocol';
import { createEmptyDirectory, readMeta, type DirectoryChange, type DirectoryDb } from '../directory/directory-db';
import { textLines } from './line-streams';
import { canDecodeSnapshot, decodeSnapshotFile, SnapshotDecoder } from './snapshot-decoder';
import { ServerRefused, ServerUnreachable, type SyncHttp } from './sync-http';

/** Where the desk's directory lives, and how a new file replaces it. */
export interface DirectoryHolder {
  current(): DirectoryDb;
  /** Closes the current directory, renames `file` over it and opens it. */
  install(file: string): void;
}

export type DirectorySyncResult = 'not_published' | 'up_to_date' | 'caught_up' | 'bootstrapped';

/** Changes read per request: a page is applied, with its cursor, in one transaction. */
export const CHANGES_PAGE = 2000;

/** A snapshot or page file that is not what the server said it was. */
class BadDownload extends Error {}

/** Immediate resumes of a cut snapshot download within one sync run, each after new bytes arrived. */
export const RESUMES_PER_RUN = 5;

// Each line is checked against the schema of its own op: zod's discriminated union costs a third
// more than the object schema it picks (13.5 against 9.5 ms for 1,000 services, best of 30).
const LINE_SCHEMAS = new Map(DirectoryChangeLine.options.map((o) => [o.shape.op.value, o]));

function parseChangeLine(value: unknown): DirectoryChangeLine {
  const schema = LINE_SCHEMAS.get((value as { op?: unknown } | null)?.op as DirectoryChangeLine['op']);
  return (schema ?? DirectoryChangeLine).parse(value);
}

/** Feeds a file to a hash a block at a time (a partial snapshot can be 100 MiB and more). */
function hashFile(hash: ReturnType<typeof createHash>, file: string): void {
  const fd = openSync(file, 'r');
  try {
    const block = Buffer.alloc(1 << 20);
    for (let n; (n = readSync(fd, block, 0, block.length, null)) > 0; ) hash.update(block.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps directory.db up to date with the server. A desk with a cursor catches up from the changes
 * feed; a new desk (or one whose cursor is too old: 410) downloads the snapshot, checks its sha256
 * and SQLite's quick_check, and swaps it in whole before catching up. Should the snapshot be
 * unavailable, it builds the file from the changes feed instead. desk.db is never touched here.
 */
export class DirectorySync {
  private readonly downloadFile: string;
  private readonly encodedFile: string;
  private readonly downloadMeta: string;
  private readonly stagingFile: string;

  constructor(
    private readonly http: SyncHttp,
    private readonly holder: DirectoryHolder,
    dataDir: string,
    private readonly progress: (p: DirectoryProgress | null) => void,
    private readonly now: () => Date,
    /** Told why a downloaded snapshot was refused (the desk then builds the directory from the changes feed). */
    private readonly refused: (message: string) => void = () => {},
  ) {
    this.downloadFile = path.join(dataDir, 'directory.download');
    this.encodedFile = path.join(dataDir, 'directory.download.zst');
    this.downloadMeta = path.join(dataDir, 'directory.download.json');
    this.stagingFile = path.join(dataDir, 'directory.staging');
  }

  async run(signal?: AbortSignal): Promise<DirectorySyncResult> {
    try {
      const cursor = this.holder.current().cursor();
      if (cursor) {
        try {
          return (await this.catchUp(cursor, signal)) ? 'caught_up' : 'up_to_date';
        } catch (e) {
          if (!(e instanceof ServerRefused && e.status === 410)) throw e;
        }
      }
      return await this.bootstrap(signal);
    } finally {
      this.progress(null);
    }
  }

  private async bootstrap(signal?: AbortSignal): Promise<DirectorySyncResult> {
    this.progress({ phase: 'manifest', bytes: 0, totalBytes: null, rows: 0 });
    let manifest = await this.manifest(signal);
    if (!manifest) return 'not_published';
    let installed = false;
    for (let replaced = 0; !installed; replaced++) {
      try {
        await this.downloadSnapshot(manifest, signal);
        installed = true;
      } catch (e) {
        // The snapshot keeps arriving damaged, or is gone: build from the feed, unless it was
        // replaced by a newer one between the manifest and the download (asked once).
        const gone = e instanceof ServerRefused && e.status === 404;
        if (!(e instanceof BadDownload || gone)) throw e;
        if (e instanceof BadDownload) this.refused(e.message);
        const fresh = gone && replaced === 0 ? await this.manifest(signal) : null;
        if (!fresh || fresh.sha256 === manifest.sha256) break;
        manifest = fresh;
      }
    }
    if (installed) {
      this.progress({ phase: 'install', bytes: manifest.bytes, totalBytes: manifest.bytes, rows: 0 });
      this.holder.install(this.downloadFile);
      this.holder.current().markSynced(this.now().toISOString());
      rmSync(this.downloadMeta, { force: true });
      await this.catchUp(manifest.cursor, signal);
    } else {
      await this.buildFromPages(signal);
    }
    return 'bootstrapped';
  }

  /** The newest snapshot's manifest; null while the trust has published nothing. */
  private async manifest(signal?: AbortSignal): Promise<DirectoryManifest | null> {
    try {
      return await this.http.json('/v1/directory/manifest', (v) => DirectoryManifest.parse(v), { signal });
    } catch (e) {
      if (e instanceof ServerRefused && e.status === 404) return null;
      throw e;
    }
  }

  /**
   * Downloads the snapshot to a side file (resuming a partial one of the same snapshot), then
   * checks it. A transfer cut short after bytes arrived (the server's node stopped, a proxy let
   * go) is resumed at once from where it stopped, with Range and If-Range, up to
   * RESUMES_PER_RUN times; behind a load balancer the rest usually comes from another node.
   * The compressed copy is what travels when the server offers one (37 MB instead of 154 MB for
   * 100,000 services): it is decoded into the SQLite file as it arrives, and both the bytes that
   * travelled and the decoded file are checked against the manifest's hashes and sizes.
   */
  private async downloadSnapshot(m: DirectoryManifest, signal?: AbortSignal): Promise<void> {
    const compressed = m.compressed && canDecodeSnapshot(m.compressed.encoding) ? m.compressed : null;
    const target = compressed ? { url: compressed.url, sha256: compressed.sha256, bytes: compressed.bytes } : { url: m.url, sha256: m.sha256, bytes: m.bytes };
    const file = compressed ? this.encodedFile : this.downloadFile;
    let hash = createHash('sha256');
    let have = 0;
    if (existsSync(file) && existsSync(this.downloadMeta) && readFileSync(this.downloadMeta, 'utf8') === target.sha256) {
      have = statSync(file).size;
      if (have <= target.bytes) hashFile(hash, file);
      else have = 0;
    }
    if (have === 0) {
      rmSync(this.downloadFile, { force: true });
      rmSync(this.encodedFile, { force: true });
      writeFileSync(this.downloadMeta, target.sha256);
    }
    // Decoding alongside the download needs the stream from its first byte: a download resumed
    // (here or in an earlier run) is decoded from the side file once it is whole (1–2 s for 100,000 services).
    let decoding = compressed && have === 0 ? new SnapshotDecoder(this.downloadFile) : null;
    try {
      for (let resumes = 0; have < target.bytes; resumes++) {
        const res = await this.http.request(target.url, { signal, headers: have > 0 ? { range: `bytes=${have}-`, 'if-range': `"${target.sha256}"` } : {} });
        if (have > 0 && res.status !== 206) {
          // The server sent the whole file instead of the rest: start again from the beginning.
          rmSync(file, { force: true });
          hash = createHash('sha256');
          have = 0;
        }
        const from = have;
        const written = { bytes: have };
        try {
          await this.appendBody(res, file, written, target.bytes, hash, decoding);
          have = written.bytes;
        } catch (e) {
          have = written.bytes;
          await decoding?.abandon();
          decoding = null;
          if (!(e instanceof ServerUnreachable) || have === from || resumes >= RESUMES_PER_RUN || signal?.aborted) throw e;
        }
      }
      const travelled = hash.digest('hex');
      if (!compressed) return this.verify(m, travelled);
      if (travelled !== compressed.sha256) throw this.reject(m, 'the compressed download’s sha256 does not match the manifest');
      this.progress({ phase: 'verify', bytes: m.bytes, totalBytes: m.bytes, rows: 0 });
      let decoded = decoding ? await decoding.finish() : null;
      decoding = null;
      // Decoded again from the side file when the decoding alongside failed (its error may have been the disk's).
      if (!decoded || decoded instanceof Error) decoded = await decodeSnapshotFile(this.encodedFile, this.downloadFile);
      if (decoded instanceof Error) throw this.reject(m, `it does not decompress (${decoded.message.slice(0, 80)})`);
      rmSync(this.encodedFile, { force: true });
      if (decoded.bytes !== m.bytes) throw this.reject(m, `it decompresses to ${decoded.bytes} bytes, not the ${m.bytes} the manifest says`);
      this.verify(m, decoded.sha256);
    } finally {
      await decoding?.abandon();
    }
  }

  /** Appends the body to the side file (and the decoder), counting in `written` what is on disk even when the transfer breaks. */
  private async appendBody(res: Response, file: string, written: { bytes: number }, total: number, hash: ReturnType<typeof createHash>, decoding: SnapshotDecoder | null): Promise<void> {
    const fd = openSync(file, written.bytes > 0 ? 'a' : 'w');
    let reported = 0;
    try {
      for await (const chunk of this.http.bytes(res)) {
        if (written.bytes + chunk.length > total) throw new BadDownload('The snapshot is larger than the manifest says.');
        writeSync(fd, chunk);
        hash.update(chunk);
        written.bytes += chunk.length;
        if (decoding) await decoding.write(chunk);
        // Every 256 KiB: the compressed snapshot of 100,000 services is some 110 steps, as the uncompressed file was at 1 MiB.
        if (written.bytes - reported > 256 * 1024 || written.bytes === total) {
          reported = written.bytes;
          this.progress({ phase: 'download', bytes: written.bytes, totalBytes: total, rows: 0 });
        }
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (written.bytes !== total) throw new ServerUnreachable('The snapshot download stopped before the end; it resumes next time.');
  }

  /** Removes what was downloaded and says why the snapshot was refused. */
  private reject(m: DirectoryManifest, why: string): BadDownload {
    for (const f of [this.downloadFile, this.encodedFile, this.downloadMeta]) rmSync(f, { force: true });
    return new BadDownload(`The downloaded directory (version ${m.version}) was rejected: ${why}.`);
  }

  private verify(m: DirectoryManifest, sha256: string): void {
    this.progress({ phase: 'verify', bytes: m.bytes, totalBytes: m.bytes, rows: 0 });
    const fail = (why: string) => this.reject(m, why);
    if (sha256 !== m.sha256) throw fail('its sha256 does not match the manifest');
    let db: Database.Database | undefined;
    try {
      db = new Database(this.downloadFile, { readonly: true, fileMustExist: true });
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw fail(`quick_check said ${String(check).slice(0, 80)}`);
      // An older schema is upgraded in place when the file is opened (DirectoryDb.open).
      if (!canUpgradeDirectory(Number(readMeta(db).get(META_KEYS.schemaVersion)))) throw fail('it is for another version of Crisis Desk');
    } catch (e) {
      if (e instanceof BadDownload) throw e;
      throw fail('it is not a readable SQLite file');
    } finally {
      db?.close();
    }
  }

  /** Reads the changes feed from a cursor to its end, applying page by page. True when anything changed. */
  private async catchUp(cursor: string, signal?: AbortSignal): Promise<boolean> {
    let changed = false;
    let rows = 0;
    for (let next: string | null = cursor; next; ) {
      this.progress({ phase: 'catch_up', bytes: 0, totalBytes: null, rows });
      const page = await this.readPage(next, signal);
      rows += page.changes.length;
      if (page.changes.length > 0 || page.end.cursor !== next) {
        this.holder.current().applyChanges(page.changes, { cursor: page.end.cursor, version: page.end.version, syncedAt: this.now().toISOString() });
        changed ||= page.changes.length > 0;
      } else {
        this.holder.current().markSynced(this.now().toISOString());
      }
      next = page.end.more ? page.end.cursor : null;
    }
    return changed;
  }

  /** One page of the feed; nothing counts unless its end line arrived (a cut-off page is read again). */
  private async readPage(cursor: string | null, signal?: AbortSignal): Promise<{ changes: DirectoryChange[]; end: Extract<DirectoryChangeLine, { op: 'end' }> }> {
    const query = new URLSearchParams({ limit: String(CHANGES_PAGE), ...(cursor ? { cursor } : {}) });
    const res = await this.http.request(`/v1/directory/changes?${query}`, { signal });
    const changes: DirectoryChange[] = [];
    for await (const line of textLines(this.http.bytes(res))) {
      if (!line.trim()) continue;
      let parsed: DirectoryChangeLine;
      try {
        parsed = parseChangeLine(JSON.parse(line));
      } catch {
        throw new ServerUnreachable('A directory change arrived garbled; the page is read again.');
      }
      if (parsed.op === 'end') return { changes, end: parsed };
      changes.push(parsed);
    }
    throw new ServerUnreachable('The directory changes stopped before their end; the page is read again.');
  }

  /** No snapshot to download: build the whole file from the changes feed in a side file, then swap it in. */
  private async buildFromPages(signal?: AbortSignal): Promise<void> {
    if (!existsSync(this.stagingFile)) createEmptyDirectory(this.stagingFile);
    const db = new Database(this.stagingFile);
    // As for the installed copy (DirectoryDb.open): DirectoryWriter keeps child rows in step itself.
    db.pragma('foreign_keys = OFF');
    let rows = 0;
    try {
      const writer = new DirectoryWriter(db);
      const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
      // A staging file left by an interrupted build continues from its own cursor.
      let page = await this.readPage(readMeta(db).get(META_KEYS.cursor) ?? null, signal);
      for (;;) {
        // The next page is asked for before this one is written, so the server reads it meanwhile.
        const next = page.end.more ? this.readPage(page.end.cursor, signal) : null;
        next?.catch(() => {}); // awaited below; a write that fails first must not leave it unhandled
        db.transaction(() => {
          for (const c of page.changes) {
            if (c.op === 'put') writer.put(c.service, c.version);
            else writer.delete(c.id);
          }
          setMeta.run(META_KEYS.cursor, page.end.cursor);
          setMeta.run(META_KEYS.version, String(page.end.version));
        })();
        rows += page.changes.length;
        this.progress({ phase: 'pages', bytes: 0, totalBytes: null, rows });
        if (!next) break;
        page = await next;
      }
      setMeta.run(META_KEYS.syncedAt, this.now().toISOString());
      db.exec("INSERT INTO service_fts(service_fts) VALUES ('optimize')");
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    this.progress({ phase: 'install', bytes: 0, totalBytes: null, rows });
    this.holder.install(this.stagingFile);
  }
}
