/*
 * Changes-feed cursors. Opaque to desks; inside, a position in the feed's (version, id) order:
 * `afterId` null means "everything up to and including `version`" (a snapshot's cursor, or the end
 * of a feed that was read to the end), otherwise "version's rows up to afterId, and everything
 * before". `directory` names the directory's history (DIRECTORY_TAG_SQL) so that a cursor from
 * another trust, or from a database that was reset, is not taken for a position in this one.
 *
 * `floor`: the desk holds no service deleted at or before this version, so it needs no tombstone
 * there. A desk that starts from nothing gets the purge point of that moment (anything deleted
 * by then was gone before it read a row); a snapshot's cursor gets the snapshot's version.
 */

export interface FeedPosition {
  directory: string;
  version: number;
  afterId: string | null;
  floor: number;
}

/** Whether continuing from `p` could need tombstones that were purged (those at or before purgedThrough). */
export function needsPurgedTombstones(p: FeedPosition, purgedThrough: number): boolean {
  if (p.floor >= purgedThrough) return false;
  // Still needed: tombstones after the position. At `version` itself only those past afterId, so a
  // partly read version at the purge point may have lost some.
  return p.afterId === null ? p.version < purgedThrough : p.version <= purgedThrough;
}

const FORMAT = 'c1';

export function encodeCursor(p: FeedPosition): string {
  return Buffer.from(JSON.stringify([FORMAT, p.directory, p.version, p.afterId, p.floor]), 'utf8').toString('base64url');
}

/** The position a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): FeedPosition | null {
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) return null;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || parts.length !== 5 || parts[0] !== FORMAT) return null;
  const [, directory, version, afterId, floor] = parts as unknown[];
  if (typeof directory !== 'string' || !/^[0-9a-f]{8,64}$/.test(directory)) return null;
  const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!isVersion(version) || !isVersion(floor)) return null;
  if (afterId !== null && (typeof afterId !== 'string' || afterId.length === 0 || afterId.length > 200)) return null;
  return { directory, version, afterId, floor };
}

/**
 * SQL for the tag that names a trust's directory history: the trust's id and the moment its row
 * was created, so a rebuilt database (whose versions restart) gets a new tag. `t` is the trust row.
 */
export const DIRECTORY_TAG_SQL = "left(md5(t.id || '/' || extract(epoch FROM t.created_at)::text), 12)";
