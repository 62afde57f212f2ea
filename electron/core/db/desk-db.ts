import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { CoreError } from '../../../shared/contract';
import { readKeyCheck, writeKeyCheck } from './key-check';
import { DESK_SCHEMA_VERSION, readSchemaVersion, runMigrations } from './migrations';
import { META_KEYS, metaSql } from './tables/meta-sql';

/** desk.db, open and migrated: the desk's call records, outbox, sync state and audit trail. */
export interface DeskDb {
  db: Database.Database;
  /** This install's identity for sync, a UUIDv7 made on first open. */
  clientId: string;
  schemaVersion: number;
  /** Things the clinician (and IT) must be told, such as a damaged file moved aside. */
  warnings: { code: string; message: string }[];
}

const SIDE_FILES = ['', '-wal', '-shm'];

const wrongKey = () =>
  new CoreError(
    'db_wrong_key',
    'The key this desk was started with does not open its call records. Nothing has been changed or deleted: do not remove any files, and contact IT.',
  );

/**
 * Opens (creating if needed) the encrypted desk.db. A wrong key is refused without touching
 * anything; a file that the right key cannot read is moved aside and reported, never replaced
 * silently; a file from a newer version is refused.
 */
export function openDeskDb(file: string, key: Buffer): DeskDb {
  if (key.length !== 32) throw wrongKey();
  const warnings: DeskDb['warnings'] = [];
  const exists = existsSync(file);

  const check = readKeyCheck(file, key);
  if (check === 'mismatch' && (exists || existsSync(`${file}-wal`))) throw wrongKey();
  // With no records file, a stale check (left by a desk reset) protects nothing: replace it.
  if (!exists && check !== 'match') writeKeyCheck(file, key);

  let db = openEncrypted(file, key);
  if (!isReadable(db)) {
    db.close();
    if (check === 'absent') {
      // Without the check there is no telling a wrong key from damage, so nothing may be moved.
      throw new CoreError(
        'db_wrong_key',
        'The desk’s call records cannot be opened, and the key check file beside them is missing, so the desk cannot tell a wrong key from a damaged file. Nothing has been changed: contact IT.',
      );
    }
    const aside = moveAside(file);
    warnings.push({
      code: 'db_moved_aside',
      message: `The desk’s call records file was damaged and could not be read. It has been moved aside to ${aside} and a new, empty one started. Records not yet sent to the server may be recoverable from the moved file by IT: tell IT, and do not delete it.`,
    });
    db = openEncrypted(file, key);
  } else if (check === 'absent') {
    writeKeyCheck(file, key);
  }

  try {
    const version = readSchemaVersion(db);
    if (version > DESK_SCHEMA_VERSION) {
      throw new CoreError(
        'db_newer_version',
        `This desk’s records were written by a newer version of Crisis Desk (schema ${version}); this version knows up to ${DESK_SCHEMA_VERSION}. Install the newer version; nothing has been changed.`,
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // desk.db is small and written record by record; 2 MiB of page cache is plenty.
    db.pragma('cache_size = -2048');
    const schemaVersion = runMigrations(db);
    return { db, clientId: ensureClientId(db), schemaVersion, warnings };
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * A second, read-only connection to an open desk.db, for a long read that must not hold the desk's
 * own connection (an export streams a month of records while saves go on): WAL lets it read a
 * snapshot while the desk writes. The caller closes it.
 */
export function openDeskReader(file: string, key: Buffer): Database.Database {
  const db = openEncrypted(file, key);
  try {
    db.pragma('query_only = ON');
    db.pragma('cache_size = -2048');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** SQLCipher 4 format through SQLite3MultipleCiphers, keyed with the raw 32 bytes (no KDF: the key is random). */
function openEncrypted(file: string, key: Buffer): Database.Database {
  const db = new Database(file, { timeout: 5000 });
  try {
    db.pragma("cipher='sqlcipher'");
    db.pragma('legacy=4');
    db.pragma(`key="x'${key.toString('hex')}'"`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function isUnreadableError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/** Reads every page (quick_check), so a damaged page is found now rather than mid-call. */
function isReadable(db: Database.Database): boolean {
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    return rows.length === 1 && rows[0]!.quick_check === 'ok';
  } catch (e) {
    if (isUnreadableError(e)) return false;
    throw e;
  }
}

/** Renames desk.db and its -wal/-shm to desk.db.corrupt-<time>[-wal|-shm], kept as a set SQLite can open. */
function moveAside(file: string): string {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of SIDE_FILES) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

function ensureClientId(db: Database.Database): string {
  const meta = metaSql(db);
  const existing = meta.value.get(META_KEYS.clientId) as string | undefined;
  if (existing) return existing;
  const clientId = uuidv7();
  meta.put.run(META_KEYS.clientId, clientId);
  return clientId;
}
