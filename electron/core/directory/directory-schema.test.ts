import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmptyDirectory } from './directory-db';

/*
 * With foreign keys on (better-sqlite3's default), deleting or replacing a parent row makes SQLite
 * look for its children; without an index that starts with the child columns, that is a scan of
 * the whole child table for every row. A catch-up replaces services one by one, so an unindexed
 * child key turns 1,000 changes against 100,000 services into tens of seconds (issue 4 benchmark).
 */
describe('directory.db schema', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('indexes the child columns of every foreign key', () => {
    const file = path.join(dir, 'directory.db');
    createEmptyDirectory(file);
    const db = new Database(file, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'").pluck().all() as string[];
    const unindexed: string[] = [];
    for (const table of tables) {
      const keys = db.pragma(`foreign_key_list(${table})`) as { id: number; from: string }[];
      const indexes = (db.pragma(`index_list(${table})`) as { name: string }[]).map((i) => (db.pragma(`index_info(${i.name})`) as { name: string }[]).map((c) => c.name));
      for (const id of new Set(keys.map((k) => k.id))) {
        const columns = keys.filter((k) => k.id === id).map((k) => k.from);
        const covered = indexes.some((cols) => columns.every((c) => cols.slice(0, columns.length).includes(c)));
        if (!covered) unindexed.push(`${table}(${columns.join(', ')})`);
      }
    }
    db.close();
    // The references to organisation and schedule are never deleted from, so they need no index.
    expect(unindexed.filter((k) => !/organisation_id|schedule_id/.test(k))).toEqual([]);
  });
});
