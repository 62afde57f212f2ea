import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryService } from '../../shared/domain/directory';
import { DIRECTORY_SCHEMA_VERSION, META_KEYS } from '../../shared/directory/schema';
import { readServices } from '../../shared/directory/store';
import { generateDirectory, loadEnglandSectors } from './generate-directory';
import { writeDirectoryDb } from './write-directory-db';
import { writeDirectoryNdjson } from './write-ndjson';

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');

let dir: string;
let services: DirectoryService[];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'synthetic-directory-'));
  services = generateDirectory({ seed: 7, count: 400, sectors: loadEnglandSectors(GEO_DIR) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeDirectoryDb', () => {
  it('writes services that read back equal, with the snapshot meta set', () => {
    const file = path.join(dir, 'directory.db');
    writeDirectoryDb(file, services, { version: 'test-7', publishedAt: '2026-11-01T00:00:00.000Z' });
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
      const meta = new Map(db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][]);
      expect(meta.get(META_KEYS.schemaVersion)).toBe(String(DIRECTORY_SCHEMA_VERSION));
      expect(meta.get(META_KEYS.version)).toBe('test-7');
      expect(meta.get(META_KEYS.publishedAt)).toBe('2026-11-01T00:00:00.000Z');

      const rowids = (db.prepare('SELECT rowid FROM service ORDER BY rowid').raw().all() as [number][]).map(([r]) => r);
      expect(rowids).toHaveLength(services.length);
      const read = [...readServices(db, rowids).values()];
      expect(read.map((s) => s.id)).toEqual(services.map((s) => s.id));
      for (let i = 0; i < services.length; i++) expect(read[i]).toStrictEqual(services[i]);

      const hits = db.prepare("SELECT count(*) AS n FROM service_fts WHERE service_fts MATCH 'sanct*'").get() as { n: number };
      expect(hits.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('replaces an existing file and leaves no journal behind', () => {
    const file = path.join(dir, 'replaced.db');
    writeFileSync(file, 'not a database');
    writeFileSync(`${file}-wal`, 'stale');
    writeDirectoryDb(file, services.slice(0, 50), { version: 'a', publishedAt: '2026-11-01T00:00:00.000Z' });
    writeDirectoryDb(file, services.slice(0, 20), { version: 'b', publishedAt: '2026-11-02T00:00:00.000Z' });
    for (const suffix of ['-wal', '-shm', '-journal']) expect(existsSync(`${file}${suffix}`)).toBe(false);
    const db = new Database(file, { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM service').get() as { n: number }).n).toBe(20);
      expect((db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as { value: string }).value).toBe('b');
    } finally {
      db.close();
    }
  });
});

describe('writeDirectoryNdjson', () => {
  it('writes one service per line', () => {
    const file = path.join(dir, 'directory.ndjson');
    writeDirectoryNdjson(file, services);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as DirectoryService)).toStrictEqual(services);
  });
});
