import { preparedPerConnection } from './prepared';

/** Keys of desk.db's meta table. */
export const META_KEYS = {
  /** The install's id; since migration 4 the stream of changes queued before authors were recorded. */
  clientId: 'client_id',
  /** Until migration 4: the last seq the server acknowledged (now sync_stream.acked_seq). */
  lastAckedSeq: 'sync.last_acked_seq',
  /** Until migration 4, for whoever was signed in; since, one per user (recordsCursorOf). */
  recordsCursor: 'sync.records_cursor',
  /** Who is using the desk (JSON DeskUser), kept across restarts until they sign out. */
  deskUser: 'session.desk_user',
  /** The call record open on this desk's screen, so a restart (or a fresh tab) reopens it. */
  openCall: 'desk.open_call',
  /** When a page of pulled records was last applied: "team records as of". */
  recordsPulledAt: 'sync.records_pulled_at',
} as const;

/** Where a user's pull continues: each user may see other records, so each has a cursor of their own. */
export const recordsCursorOf = (userId: string) => `sync.records_cursor.${userId}`;

/** desk.db's meta table: small settings by key. */
export const metaSql = preparedPerConnection((db) => ({
  /** value(key): the value, or undefined. */
  value: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
  /** put(key, value): sets the key, replacing its value. */
  put: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
  /** remove(key) */
  remove: db.prepare('DELETE FROM meta WHERE key = ?'),
}));
