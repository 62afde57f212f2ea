import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { CoreError, type ParsedParamsOf, type RevisionInfo, type SaveResult } from '../../../shared/contract';
import { emptyCallRecordContent, type Addendum, type CallRecord, type CallRecordContent, type CallStatus, type CallSummary, type DraftContent } from '../../../shared/domain/call-record';
import { finalisableContent, finaliseIssues } from '../../../shared/domain/finalise';
import type { MutationPayload } from '../../../shared/sync/protocol';
import type { AuditLog } from '../audit/audit-log';
import {
  addendumHash,
  canonicalJson,
  sha256Hex,
  SUMMARY_COLUMNS,
  toAddendum,
  toCallRecord,
  toCallSummary,
  type AddendumRow,
  type CallRow,
  type SummaryRow,
} from './call-rows';
import { Outbox } from './outbox';

export interface CallStoreDeps {
  clientId: string;
  now: () => Date;
  audit: AuditLog;
}

type RevisionKind = RevisionInfo['kind'];
type CreateParams = ParsedParamsOf<'calls.create'>;
type SaveParams = ParsedParamsOf<'calls.save'>;
type ListParams = ParsedParamsOf<'calls.list'>;
type FinaliseParams = ParsedParamsOf<'calls.finalise'>;
type AddendumParams = ParsedParamsOf<'calls.addAddendum'>;
type DiscardParams = ParsedParamsOf<'calls.discard'>;

/** Discarded drafts are listed only when asked for. */
const DEFAULT_LIST_STATUSES: CallStatus[] = ['draft', 'finalised'];
const DEFAULT_LIST_LIMIT = 200;

function prepareStatements(db: Database.Database) {
  return {
    row: db.prepare('SELECT * FROM call_record WHERE id = ?'),
    addenda: db.prepare('SELECT * FROM addendum WHERE record_id = ? ORDER BY created_at, id'),
    insertRecord: db.prepare(
      `INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content)
       VALUES (@id, 'draft', 1, @origin_client_id, @created_at, @updated_at, @content)`,
    ),
    updateDraft: db.prepare(
      `UPDATE call_record SET status = @status, revision = @revision, updated_at = @updated_at, content = @content,
         content_hash = @content_hash, finalised_at = @finalised_at, discarded_at = @discarded_at, discard_reason = @discard_reason
       WHERE id = @id AND status = 'draft'`,
    ),
    insertRevision: db.prepare('INSERT INTO call_revision (record_id, revision, kind, saved_at, content) VALUES (?, ?, ?, ?, ?)'),
    revisions: db.prepare('SELECT revision, saved_at AS savedAt, kind FROM call_revision WHERE record_id = ? ORDER BY revision'),
    insertAddendum: db.prepare('INSERT INTO addendum (id, record_id, created_at, text, content_hash, callback_made_at) VALUES (?, ?, ?, ?, ?, ?)'),
    summary: db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM call_record WHERE id = ?`),
    list: db.prepare(
      `SELECT ${SUMMARY_COLUMNS} FROM call_record
       WHERE status IN (SELECT value FROM json_each(?))
       ORDER BY status = 'draft' DESC, callback_outstanding DESC, updated_at DESC, id DESC LIMIT ?`,
    ),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

const notFound = () => new CoreError('not_found', 'There is no call record with this id on this desk.');

/**
 * Call records in desk.db. Every change is one transaction that updates the record, keeps the
 * revision, queues its outbox entry and appends its audit entry; a method returns only after that
 * transaction has committed (synchronous=FULL), so an acknowledged save survives a crash.
 */
export class CallStore {
  private readonly outbox: Outbox;
  private readonly stmt: Statements;

  constructor(
    private readonly db: Database.Database,
    private readonly deps: CallStoreDeps,
  ) {
    this.outbox = new Outbox(db);
    this.stmt = prepareStatements(db);
  }

  create(p: CreateParams): CallRecord {
    return this.write(() => {
      const at = this.stamp();
      const content: CallRecordContent = { ...emptyCallRecordContent(p.startedAt ?? at), ...(p.contactRoute ? { contactRoute: p.contactRoute } : {}) };
      const row: CallRow = {
        id: uuidv7(),
        status: 'draft',
        revision: 1,
        base_revision: null,
        origin_client_id: this.deps.clientId,
        created_at: at,
        updated_at: at,
        finalised_at: null,
        discarded_at: null,
        discard_reason: null,
        content_hash: null,
        content: canonicalJson(content),
      };
      this.stmt.insertRecord.run(row);
      this.recordChange(row, 'create', { kind: 'upsert', content });
      this.deps.audit.append({ action: 'create', recordId: row.id, detail: { revision: 1 } });
      return toCallRecord(row, []);
    });
  }

  /**
   * Saves a draft's content as a new revision. A save whose content equals what is stored makes
   * no revision and answers the current one, so an idle autosave adds nothing to the history.
   */
  save(p: SaveParams): SaveResult {
    return this.write(() => {
      const current = this.draftAt(p.id, p.revision);
      const text = canonicalJson(p.content);
      if (text === current.content) return { id: current.id, revision: current.revision, savedAt: current.updated_at };
      const at = this.stamp();
      const row: CallRow = { ...current, revision: current.revision + 1, updated_at: at, content: text };
      this.updateDraft(row);
      this.recordChange(row, 'edit', { kind: 'upsert', content: p.content });
      this.deps.audit.append({ action: 'edit', recordId: row.id, detail: { revision: row.revision } });
      return { id: row.id, revision: row.revision, savedAt: at };
    });
  }

  /** Reads a record for the clinician; every read is audited as a view. */
  get(id: string): CallRecord {
    return this.write(() => {
      const row = this.rowOf(id);
      this.deps.audit.append({ action: 'view', recordId: id, detail: { revision: row.revision } });
      return toCallRecord(row, this.stmt.addenda.all(id) as AddendumRow[]);
    });
  }

  /**
   * Summaries for the list of calls: drafts in progress first, then records with a callback still to
   * make (so that no limit ever hides one), then the most recently changed. Not audited: no clinical
   * detail.
   */
  list(p: ListParams): CallSummary[] {
    const statuses = p.statuses ?? DEFAULT_LIST_STATUSES;
    const rows = this.stmt.list.all(JSON.stringify(statuses), p.limit ?? DEFAULT_LIST_LIMIT) as SummaryRow[];
    return rows.map(toCallSummary);
  }

  /**
   * Makes a draft the final record: checked complete and within every clinical limit (a draft may
   * exceed them), hashed, immutable from now on.
   */
  finalise(p: FinaliseParams): CallRecord {
    return this.write(() => {
      const current = this.draftAt(p.id, p.revision);
      const stored = JSON.parse(current.content) as DraftContent;
      const issues = finaliseIssues(stored, this.deps.now());
      if (issues.length > 0) {
        const what = issues.length === 1 ? 'one thing needs' : `${issues.length} things need`;
        throw new CoreError('finalise_incomplete', `This record cannot be finalised yet: ${what} completing first.`, issues);
      }
      const at = this.stamp();
      const final = finalisableContent(stored);
      const content: CallRecordContent = final.endedAt ? final : { ...final, endedAt: at };
      const text = canonicalJson(content);
      const row: CallRow = {
        ...current,
        status: 'finalised',
        revision: current.revision + 1,
        updated_at: at,
        finalised_at: at,
        content_hash: sha256Hex(text),
        content: text,
      };
      this.updateDraft(row);
      this.recordChange(row, 'finalise', { kind: 'finalise', content, contentHash: row.content_hash!, finalisedAt: at });
      this.deps.audit.append({ action: 'finalise', recordId: row.id, detail: { revision: row.revision } });
      return toCallRecord(row, []);
    });
  }

  /** Adds a note to a finalised record, which itself never changes again. */
  addAddendum(p: AddendumParams): Addendum {
    return this.write(() => {
      const record = this.rowOf(p.id);
      if (record.status === 'discarded') throw discardedError();
      if (record.status === 'draft') {
        const message = 'This record is still a draft: change it directly. Addenda are for records that have been finalised.';
        throw new CoreError('invalid_params', message, [{ field: 'id', message }]);
      }
      if (p.callbackMade) this.checkCallbackOutstanding(record);
      const id = uuidv7();
      const createdAt = this.stamp();
      const callbackMadeAt = p.callbackMade ? createdAt : null;
      const contentHash = addendumHash({ id, recordId: p.id, createdAt, text: p.text, callbackMadeAt });
      const row: AddendumRow = { id, record_id: p.id, created_at: createdAt, text: p.text, content_hash: contentHash, callback_made_at: callbackMadeAt };
      this.stmt.insertAddendum.run(row.id, row.record_id, row.created_at, row.text, row.content_hash, row.callback_made_at);
      const addendum = toAddendum(row);
      this.outbox.enqueue({
        recordId: p.id,
        baseRevision: record.base_revision,
        deskTime: createdAt,
        payload: { kind: 'addendum', addendumId: id, text: p.text, createdAt, contentHash, ...(callbackMadeAt ? { callbackMadeAt } : {}) },
      });
      this.deps.audit.append({ action: 'addendum', recordId: p.id, detail: { addendumId: id, ...(callbackMadeAt ? { callbackMade: true } : {}) } });
      return addendum;
    });
  }

  /** Only a callback the record asked for, and not yet made, can be recorded as made. */
  private checkCallbackOutstanding(record: CallRow): void {
    if ((this.stmt.summary.get(record.id) as SummaryRow).callback_outstanding) return;
    const callback = (JSON.parse(record.content) as DraftContent).callback;
    const message = callback.required
      ? 'The callback for this call has already been recorded as made.'
      : 'This call record did not ask for a callback, so there is none to record as made. Add the addendum without it.';
    throw new CoreError('invalid_params', message, [{ field: 'callbackMade', message }]);
  }

  /** Marks a draft as discarded, with the reason. The record and its revisions are kept. */
  discard(p: DiscardParams): CallRecord {
    return this.write(() => {
      const current = this.draftAt(p.id, p.revision);
      const at = this.stamp();
      const row: CallRow = { ...current, status: 'discarded', revision: current.revision + 1, updated_at: at, discarded_at: at, discard_reason: p.reason };
      this.updateDraft(row);
      this.recordChange(row, 'discard', { kind: 'discard', reason: p.reason, discardedAt: at });
      this.deps.audit.append({ action: 'discard', recordId: row.id, detail: { revision: row.revision } });
      return toCallRecord(row, []);
    });
  }

  /**
   * Queues the record's current state again, on the base revision it now has: after a conflict is
   * resolved in the desk's favour, the server must be sent the version the clinician chose.
   */
  requeue(id: string): void {
    this.write(() => {
      const row = this.rowOf(id);
      const content = JSON.parse(row.content) as DraftContent;
      const payload: MutationPayload =
        row.status === 'draft'
          ? { kind: 'upsert', content }
          : row.status === 'finalised'
            ? { kind: 'finalise', content, contentHash: row.content_hash!, finalisedAt: row.finalised_at! }
            : { kind: 'discard', reason: row.discard_reason!, discardedAt: row.discarded_at! };
      this.outbox.enqueue({ recordId: id, baseRevision: row.base_revision, deskTime: this.stamp(), payload });
    });
  }

  revisions(id: string): RevisionInfo[] {
    this.rowOf(id);
    return this.stmt.revisions.all(id) as RevisionInfo[];
  }

  /** Keeps the revision and queues the outbox entry for a record change, in the caller's transaction. */
  private recordChange(row: CallRow, revisionKind: RevisionKind, payload: MutationPayload): void {
    this.stmt.insertRevision.run(row.id, row.revision, revisionKind, row.updated_at, row.content);
    this.outbox.enqueue({ recordId: row.id, baseRevision: row.base_revision, deskTime: row.updated_at, payload });
  }

  private updateDraft(row: CallRow): void {
    // draftAt() checked the status in this same transaction; a miss here is a bug, never ignored.
    if (this.stmt.updateDraft.run(row).changes !== 1) throw new Error('call record changed state inside its own transaction');
  }

  private rowOf(id: string): CallRow {
    const row = this.stmt.row.get(id) as CallRow | undefined;
    if (!row) throw notFound();
    return row;
  }

  /** The record, if it is a draft still at the revision the change was made on. */
  private draftAt(id: string, revision: number): CallRow {
    const row = this.rowOf(id);
    if (row.status === 'finalised') {
      throw new CoreError('record_finalised', 'This call record has been finalised and cannot be changed. To add or correct something, add an addendum.');
    }
    if (row.status === 'discarded') throw discardedError();
    if (row.revision !== revision) {
      throw new CoreError(
        'revision_conflict',
        `This record has changed since this copy was opened (it was revision ${revision}; the saved one is revision ${row.revision}). Nothing was overwritten: reopen the record to see the latest version.`,
      );
    }
    return row;
  }

  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private stamp(): string {
    return this.deps.now().toISOString();
  }
}

function discardedError(): CoreError {
  return new CoreError('record_discarded', 'This draft was discarded and cannot be changed. Start a new call record if one is needed.');
}
