import type Database from 'better-sqlite3-multiple-ciphers';
import { CoreError } from '../../../shared/contract';
import type { CallRecord } from '../../../shared/domain/call-record';
import { callRecordSql } from '../db/tables/call-record-sql';
import { META_KEYS, metaSql } from '../db/tables/meta-sql';
import type { CallStore } from './call-store';

/**
 * Which call record is open on this desk's screen, kept in desk.db's meta table (never in the
 * browser's storage): after a reload, a fresh tab, or the desk restarting, the screen reopens the
 * call the clinician was in. Only an id is kept; reading the record back is an audited view.
 */
export class OpenCallMemory {
  private readonly meta;
  private readonly records;

  constructor(
    db: Database.Database,
    private readonly calls: CallStore,
  ) {
    this.meta = metaSql(db);
    this.records = callRecordSql(db);
  }

  /** The open record, or null (none, or it has been discarded or is gone: then forgotten). */
  current(): CallRecord | null {
    const id = this.meta.value.get(META_KEYS.openCall) as string | undefined;
    if (!id) return null;
    const status = this.records.status.get(id) as string | undefined;
    if (status === undefined || status === 'discarded') {
      this.meta.remove.run(META_KEYS.openCall);
      return null;
    }
    return this.calls.get(id);
  }

  remember(id: string | null): null {
    if (id === null) {
      this.meta.remove.run(META_KEYS.openCall);
      return null;
    }
    const status = this.records.status.get(id) as string | undefined;
    if (status === undefined) throw new CoreError('not_found', 'There is no call record with this id on this desk.');
    if (status === 'discarded') throw new CoreError('record_discarded', 'This draft has been discarded: it cannot be opened as the current call.');
    this.meta.put.run(META_KEYS.openCall, id);
    return null;
  }
}
