import type Database from 'better-sqlite3-multiple-ciphers';
import { CoreError } from '../../../shared/contract';
import type { CallRecord } from '../../../shared/domain/call-record';
import { META_KEYS } from '../db/migrations';
import type { CallStore } from './call-store';

/**
 * Which call record is open on this desk's screen, kept in desk.db's meta table (never in the
 * browser's storage): after a reload, a fresh tab, or the desk restarting, the screen reopens the
 * call the clinician was in. Only an id is kept; reading the record back is an audited view.
 */
export class OpenCallMemory {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly calls: CallStore,
  ) {
    this.s = {
      get: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      set: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      clear: db.prepare('DELETE FROM meta WHERE key = ?'),
      status: db.prepare('SELECT status FROM call_record WHERE id = ?').pluck(),
    };
  }

  /** The open record, or null (none, or it has been discarded or is gone: then forgotten). */
  current(): CallRecord | null {
    const id = this.s.get.get(META_KEYS.openCall) as string | undefined;
    if (!id) return null;
    const status = this.s.status.get(id) as string | undefined;
    if (status === undefined || status === 'discarded') {
      this.s.clear.run(META_KEYS.openCall);
      return null;
    }
    return this.calls.get(id);
  }

  remember(id: string | null): null {
    if (id === null) {
      this.s.clear.run(META_KEYS.openCall);
      return null;
    }
    const status = this.s.status.get(id) as string | undefined;
    if (status === undefined) throw new CoreError('not_found', 'There is no call record with this id on this desk.');
    if (status === 'discarded') throw new CoreError('record_discarded', 'This draft has been discarded: it cannot be opened as the current call.');
    this.s.set.run(META_KEYS.openCall, id);
    return null;
  }
}
