import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreError } from '../../../shared/contract';
import { completeContent, makeTempDir, openTestDesk, randomKey } from '../calls/test-fixtures';
import { openDeskDb } from './desk-db';
import { keyCheckFile } from './key-check';
import { DESK_SCHEMA_VERSION, MIGRATIONS, readSchemaVersion, runMigrations } from './migrations';

const DISTINCTIVE = 'Heliotrope-Zanzibar-4471';

let tmp: ReturnType<typeof makeTempDir>;
let key: Buffer;
let file: string;

beforeEach(() => {
  tmp = makeTempDir();
  key = randomKey();
  file = path.join(tmp.dir, 'desk.db');
});
afterEach(() => tmp.remove());

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const listing = () => readdirSync(tmp.dir).sort();

function openError(k: Buffer): CoreError {
  try {
    openDeskDb(file, k).db.close();
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error('expected openDeskDb to refuse');
}

/** Creates desk.db holding one saved draft with the distinctive text; returns the record id. */
function deskWithOneRecord(): string {
  const t = openTestDesk(tmp.dir, key);
  const draft = t.calls.create({});
  const content = completeContent(draft.content.startedAt, `Summary mentioning ${DISTINCTIVE}`);
  content.caller = { ...content.caller, anonymous: false, name: `Caller ${DISTINCTIVE}` };
  t.calls.save({ id: draft.id, revision: 1, content });
  t.close();
  return draft.id;
}

describe('encryption at rest', () => {
  it('leaves no plaintext of a saved record in desk.db or its -wal, open or closed', () => {
    const t = openTestDesk(tmp.dir, key);
    const draft = t.calls.create({});
    t.calls.save({ id: draft.id, revision: 1, content: completeContent(draft.content.startedAt, `Summary mentioning ${DISTINCTIVE}`) });

    const needle = Buffer.from(DISTINCTIVE);
    // While open the save sits in the WAL, not yet in the main file.
    expect(readFileSync(`${file}-wal`).length).toBeGreaterThan(0);
    for (const f of [file, `${file}-wal`]) {
      const bytes = readFileSync(f);
      expect(bytes.includes(needle)).toBe(false);
      expect(bytes.includes(Buffer.from('SQLite format 3'))).toBe(false);
    }
    t.close();
    expect(readFileSync(file).includes(needle)).toBe(false);
    expect(readFileSync(keyCheckFile(file), 'utf8')).not.toContain(key.toString('hex'));

    // The same search finds the text in an unencrypted file, so the checks above can fail.
    const plain = new Database(path.join(tmp.dir, 'plain.db'));
    plain.exec('CREATE TABLE t (x TEXT)');
    plain.prepare('INSERT INTO t VALUES (?)').run(`Summary mentioning ${DISTINCTIVE}`);
    plain.close();
    expect(readFileSync(path.join(tmp.dir, 'plain.db')).includes(needle)).toBe(true);

    // And the record really is in the encrypted file.
    const reopened = openTestDesk(tmp.dir, key);
    expect(reopened.calls.get(draft.id).content.presentingNeed.summary).toContain(DISTINCTIVE);
    reopened.close();
  });

  it('refuses the wrong key with a clear error and touches nothing', () => {
    const id = deskWithOneRecord();
    const before = { files: listing(), hash: sha256(file), check: sha256(keyCheckFile(file)) };

    const e = openError(randomKey());
    expect(e.code).toBe('db_wrong_key');
    expect(e.message).toMatch(/does not open/);
    expect(e.message).toMatch(/contact IT/);
    expect({ files: listing(), hash: sha256(file), check: sha256(keyCheckFile(file)) }).toEqual(before);

    const t = openTestDesk(tmp.dir, key);
    expect(t.calls.get(id).content.caller.name).toBe(`Caller ${DISTINCTIVE}`);
    t.close();
  });

  it('without its key check file, opens with the right key (and writes the check) but moves nothing on a wrong one', () => {
    const id = deskWithOneRecord();
    rmSync(keyCheckFile(file));
    const before = { files: listing(), hash: sha256(file) };
    expect(openError(randomKey()).code).toBe('db_wrong_key');
    expect({ files: listing(), hash: sha256(file) }).toEqual(before);

    const t = openTestDesk(tmp.dir, key);
    expect(t.calls.get(id).status).toBe('draft');
    t.close();
    expect(existsSync(keyCheckFile(file))).toBe(true);
    expect(openError(randomKey()).message).toMatch(/does not open/);
  });
});

describe('schema versions', () => {
  it('creates a new desk at the current version with a stable UUIDv7 client id', () => {
    const first = openDeskDb(file, key);
    expect(first.schemaVersion).toBe(DESK_SCHEMA_VERSION);
    expect(readSchemaVersion(first.db)).toBe(DESK_SCHEMA_VERSION);
    expect(isUuid(first.clientId) && uuidVersion(first.clientId)).toBe(7);
    expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(first.db.pragma('foreign_keys', { simple: true })).toBe(1);
    first.db.close();
    const again = openDeskDb(file, key);
    expect(again.clientId).toBe(first.clientId);
    expect(again.warnings).toEqual([]);
    again.db.close();
  });

  it('refuses a desk.db written by a newer version, naming both versions, and leaves it as it was', () => {
    deskWithOneRecord();
    const desk = openDeskDb(file, key);
    desk.db.pragma(`user_version = ${DESK_SCHEMA_VERSION + 3}`);
    desk.db.close();
    const hash = sha256(file);

    const e = openError(key);
    expect(e.code).toBe('db_newer_version');
    expect(e.message).toContain(`schema ${DESK_SCHEMA_VERSION + 3}`);
    expect(e.message).toContain(`up to ${DESK_SCHEMA_VERSION}`);
    expect(sha256(file)).toBe(hash);
    expect(listing().some((f) => f.includes('corrupt'))).toBe(false);
  });

  it('brings a desk.db of the first release up to date, keeping its records and addenda (steps only add)', () => {
    const db = new Database(path.join(tmp.dir, 'v1.db'));
    runMigrations(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content, content_hash, finalised_at) VALUES ('r1', 'draft', 1, 'c', 't', 't', '{}', NULL, NULL)").run();
    db.prepare("UPDATE call_record SET status = 'finalised', content_hash = 'h', finalised_at = 't' WHERE id = 'r1'").run();
    db.prepare("INSERT INTO addendum (id, record_id, created_at, text, content_hash) VALUES ('a1', 'r1', 't', 'Synthetic note.', 'ah')").run();
    const before = db.prepare('SELECT * FROM addendum').all();
    expect(runMigrations(db)).toBe(DESK_SCHEMA_VERSION);
    // Authors were not recorded then: not recorded (NULL), and not waiting to be claimed either.
    expect(db.prepare('SELECT * FROM call_addendum').all()).toEqual(before.map((a) => ({ ...(a as object), callback_made_at: null, author_id: null, unclaimed: 0 })));
    expect(db.prepare("SELECT status FROM call_record WHERE id = 'r1'").pluck().get()).toBe('finalised');
    db.close();
  });

  it('runs pending migrations in one transaction: a failing step leaves no trace', () => {
    const db = new Database(path.join(tmp.dir, 'migrate.db'));
    const steps = [
      (d: Database.Database) => d.exec('CREATE TABLE first (x)'),
      (d: Database.Database) => d.exec('CREATE TABLE second (x); SELECT no_such_function();'),
    ];
    expect(() => runMigrations(db, steps)).toThrow(/no_such_function/);
    expect(readSchemaVersion(db)).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('first', 'second')").pluck().get()).toBe(0);
    expect(runMigrations(db, steps.slice(0, 1))).toBe(1);
    expect(runMigrations(db, steps.slice(0, 1))).toBe(1);
    db.close();
  });
});

describe('a damaged desk.db', () => {
  function corrupt(at: (size: number) => number, length: number): Buffer {
    const bytes = readFileSync(file);
    bytes.fill(0x41, at(bytes.length), at(bytes.length) + length);
    writeFileSync(file, bytes);
    return bytes;
  }

  for (const [where, at] of [
    ['in the middle', (size: number) => Math.floor(size / 2)],
    ['in its header', () => 0],
  ] as const) {
    it(`is moved aside and reported when damaged ${where}, and a fresh desk.db works`, () => {
      deskWithOneRecord();
      const damaged = corrupt(at, 3000);

      const desk = openDeskDb(file, key);
      expect(desk.warnings).toHaveLength(1);
      const [warning] = desk.warnings;
      expect(warning!.code).toBe('db_moved_aside');
      const moved = listing().find((f) => f.startsWith('desk.db.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'));
      expect(moved).toBeDefined();
      expect(warning!.message).toContain(path.join(tmp.dir, moved!));
      expect(warning!.message).toMatch(/IT/);
      expect(readFileSync(path.join(tmp.dir, moved!)).equals(damaged)).toBe(true);
      desk.db.close();

      const t = openTestDesk(tmp.dir, key);
      expect(t.calls.list({})).toEqual([]);
      const fresh = t.calls.create({});
      t.close();
      const reopened = openTestDesk(tmp.dir, key);
      expect(reopened.desk.warnings).toEqual([]);
      expect(reopened.calls.list({}).map((s) => s.id)).toEqual([fresh.id]);
      reopened.close();
    });
  }
});
