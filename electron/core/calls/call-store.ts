import type Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { CoreError, type ParsedParamsOf, type RevisionInfo, type SaveResult } from '../../../shared/contract';
import { emptyCallRecordContent, type Addendum, type CallRecord, type CallRecordContent, type CallStatus, type CallSummary, type DraftContent } from '../../../shared/domain/call-record';
import { finalisableContent, finaliseIssues } from '../../../shared/domain/finalise';
import type { Author } from '../../../shared/domain/people';
import type { MutationPayload } from '../../../shared/sync/protocol';
import type { AuditLog } from '../audit/audit-log';
import { callAddendumSql } from '../db/tables/call-addendum-sql';
import { callRecordSql } from '../db/tables/call-record-sql';
import { callRevisionSql } from '../db/tables/call-revision-sql';
import { outboxSql } from '../db/tables/outbox-sql';
import {
  addendumHash,
  canonicalJson,
  sha256Hex,
  toAddendum,
  toCallRecord,
  toCallSummary,
  type AddendumRow,
  type CallRow,
  type RecordAuthors,
  type SummaryRow,
} from './call-rows';
import { Outbox } from './outbox';

/** Who changes are filed under now, and the names to show (the desk's session). */
export interface Authorship {
  /** The desk user; null when nobody is signed in (changes are then unclaimed). */
  authorId(): string | null;
  author(userId: string | null): Author | null;
}

export interface CallStoreDeps {
  clientId: string;
  now: () => Date;
  audit: AuditLog;
  authors: Authorship;
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


const notFound = () => new CoreError('not_found', 'There is no call record with this id on this desk.');

/**
 * Call records in desk.db. Every change is one transaction that updates the record, keeps the
 * revision, queues its outbox entry and appends its audit entry; a method returns only after that
 * transaction has committed (synchronous=FULL), so an acknowledged save survives a crash.
 */
export class CallStore {
  private readonly outbox: Outbox;
  private readonly recordSql;
  private readonly revisionSql;
  private readonly addendumSql;
  private readonly outboxSql;

  constructor(
    private readonly db: Database.Database,
    private readonly deps: CallStoreDeps,
  ) {
    this.outbox = new Outbox(db, deps.now);
    this.recordSql = callRecordSql(db);
    this.revisionSql = callRevisionSql(db);
    this.addendumSql = callAddendumSql(db);
    this.outboxSql = outboxSql(db);
  }

  create(p: CreateParams): CallRecord {
    return this.write(() => {
      const author = this.writer(p.authorId);
      const at = this.stamp();
      const content: CallRecordContent = { ...emptyCallRecordContent(p.startedAt ?? at), ...(p.contactRoute ? { contactRoute: p.contactRoute } : {}) };
      const row: CallRow = {
        id: uuidv7(),
        status: 'draft',
        local_revision: 1,
        base_revision: null,
        origin_client_id: this.deps.clientId,
        created_at: at,
        updated_at: at,
        finalised_at: null,
        discarded_at: null,
        discard_reason: null,
        content_hash: null,
        content: canonicalJson(content),
        created_by: author,
      };
      this.recordSql.insertDraft.run(row);
      this.recordChange(row, 'create', { kind: 'upsert', content }, author);
      this.deps.audit.append({ action: 'create', recordId: row.id, detail: { revision: 1, author } });
      return this.recordOf(row, []);
    });
  }

  /**
   * Saves a draft's content as a new revision. A save whose content equals what is stored makes
   * no revision and answers the current one, so an idle autosave adds nothing to the history; and
   * it does so whatever revision it names, so a save that landed but whose answer was lost (the
   * screen's connection dropped) can be sent again and lands once instead of conflicting with itself.
   */
  save(p: SaveParams): SaveResult {
    return this.write(() => {
      const author = this.writer(p.authorId);
      const text = canonicalJson(p.content);
      const stored = this.rowOf(p.id);
      // Unchanged content is not a new revision, but still only its author's to save.
      if (stored.status === 'draft' && text === stored.content) {
        this.mayChange(stored, author);
        return { id: stored.id, revision: stored.local_revision, savedAt: stored.updated_at };
      }
      const current = this.draftAt(p.id, p.revision, author);
      const at = this.stamp();
      const row: CallRow = { ...current, local_revision: current.local_revision + 1, updated_at: at, content: text };
      this.updateDraft(row);
      this.recordChange(row, 'edit', { kind: 'upsert', content: p.content }, author);
      this.deps.audit.append({ action: 'edit', recordId: row.id, detail: { revision: row.local_revision, author } });
      return { id: row.id, revision: row.local_revision, savedAt: at };
    });
  }

  /** Reads a record for the clinician; every read is audited as a view. */
  get(id: string): CallRecord {
    return this.write(() => {
      const row = this.rowOf(id);
      this.deps.audit.append({ action: 'view', recordId: id, detail: { revision: row.local_revision, viewer: this.deps.authors.authorId() } });
      return this.recordOf(row, this.addendumSql.ofRecord.all(id) as AddendumRow[]);
    });
  }

  /**
   * Summaries for the list of calls: drafts in progress first, then records with a callback still to
   * make (so that no limit ever hides one), then the most recently changed. Not audited: no clinical
   * detail.
   */
  list(p: ListParams): CallSummary[] {
    const statuses = p.statuses ?? DEFAULT_LIST_STATUSES;
    const rows = this.recordSql.list.all(JSON.stringify(statuses), p.limit ?? DEFAULT_LIST_LIMIT) as SummaryRow[];
    return rows.map(toCallSummary);
  }

  /**
   * Makes a draft the final record: checked complete and within every clinical limit (a draft may
   * exceed them), hashed, immutable from now on.
   */
  finalise(p: FinaliseParams): CallRecord {
    return this.write(() => {
      const author = this.writer(p.authorId);
      const current = this.draftAt(p.id, p.revision, author);
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
        local_revision: current.local_revision + 1,
        updated_at: at,
        finalised_at: at,
        content_hash: sha256Hex(text),
        content: text,
      };
      this.updateDraft(row);
      this.recordChange(row, 'finalise', { kind: 'finalise', content, contentHash: row.content_hash!, finalisedAt: at }, author);
      this.deps.audit.append({ action: 'finalise', recordId: row.id, detail: { revision: row.local_revision, author } });
      return this.recordOf(row, this.addendumSql.ofRecord.all(row.id) as AddendumRow[]);
    });
  }

  /** Adds a note to a finalised record, which itself never changes again. */
  addAddendum(p: AddendumParams): Addendum {
    return this.write(() => {
      const author = this.writer(p.authorId);
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
      const row: AddendumRow = {
        id, record_id: p.id, created_at: createdAt, text: p.text, content_hash: contentHash, callback_made_at: callbackMadeAt, author_id: author, unclaimed: author ? 0 : 1,
      };
      this.addendumSql.insert.run(row.id, row.record_id, row.created_at, row.text, row.content_hash, row.callback_made_at, row.author_id, row.unclaimed);
      const addendum = toAddendum(row, (u) => this.deps.authors.author(u));
      this.outbox.enqueue({
        recordId: p.id,
        baseRevision: record.base_revision,
        deskTime: createdAt,
        payload: { kind: 'addendum', addendumId: id, text: p.text, createdAt, contentHash, ...(callbackMadeAt ? { callbackMadeAt } : {}) },
        authorId: author,
      });
      this.deps.audit.append({ action: 'addendum', recordId: p.id, detail: { addendumId: id, author, ...(callbackMadeAt ? { callbackMade: true } : {}) } });
      return addendum;
    });
  }

  /** Only a callback the record asked for, and not yet made, can be recorded as made. */
  private checkCallbackOutstanding(record: CallRow): void {
    if ((this.recordSql.summary.get(record.id) as SummaryRow).callback_outstanding) return;
    const callback = (JSON.parse(record.content) as DraftContent).callback;
    const message = callback.required
      ? 'The callback for this call has already been recorded as made.'
      : 'This call record did not ask for a callback, so there is none to record as made. Add the addendum without it.';
    throw new CoreError('invalid_params', message, [{ field: 'callbackMade', message }]);
  }

  /** Marks a draft as discarded, with the reason. The record and its revisions are kept. */
  discard(p: DiscardParams): CallRecord {
    return this.write(() => {
      const author = this.writer(p.authorId);
      const current = this.draftAt(p.id, p.revision, author);
      const at = this.stamp();
      const row: CallRow = { ...current, status: 'discarded', local_revision: current.local_revision + 1, updated_at: at, discarded_at: at, discard_reason: p.reason };
      this.updateDraft(row);
      this.recordChange(row, 'discard', { kind: 'discard', reason: p.reason, discardedAt: at }, author);
      this.deps.audit.append({ action: 'discard', recordId: row.id, detail: { revision: row.local_revision, author } });
      return this.recordOf(row, []);
    });
  }

  /**
   * Queues the record's current state again, on the base revision it now has: after a conflict is
   * resolved in the desk's favour, the server must be sent the version the clinician chose.
   */
  requeue(id: string, authorId?: string | null): void {
    this.write(() => {
      const author = this.writer(authorId);
      const row = this.rowOf(id);
      this.mayChange(row, author);
      const content = JSON.parse(row.content) as DraftContent;
      const payload: MutationPayload =
        row.status === 'draft'
          ? { kind: 'upsert', content }
          : row.status === 'finalised'
            ? { kind: 'finalise', content, contentHash: row.content_hash!, finalisedAt: row.finalised_at! }
            : { kind: 'discard', reason: row.discard_reason!, discardedAt: row.discarded_at! };
      this.outbox.enqueue({ recordId: id, baseRevision: row.base_revision, deskTime: this.stamp(), payload, authorId: author });
    });
  }

  revisions(id: string): RevisionInfo[] {
    this.rowOf(id);
    const rows = this.revisionSql.history.all(id) as (Omit<RevisionInfo, 'author'> & { author_id: string | null })[];
    return rows.map(({ author_id, ...r }) => ({ ...r, author: this.deps.authors.author(author_id) }));
  }

  /**
   * The signed-in person says the unclaimed changes of these records (made while nobody was signed
   * in) are theirs: their revisions, addenda and queued changes are filed under them, and a record
   * started then becomes theirs. One transaction, audited. Returns how many queued changes were claimed.
   */
  claim(recordIds: readonly string[], authorId: string): number {
    return this.write(() => {
      for (const id of new Set(recordIds)) this.rowOf(id);
      const claimed = this.outbox.claim(recordIds, authorId);
      for (const id of new Set(recordIds)) {
        const revisions = this.revisionSql.claim.run(authorId, id).changes;
        const addenda = this.addendumSql.claim.run(authorId, id).changes;
        const started = this.recordSql.setCreatedByIfUnknown.run(authorId, id).changes;
        this.deps.audit.append({ action: 'claim', recordId: id, detail: { author: authorId, revisions, addenda, started: started > 0 } });
      }
      return claimed;
    });
  }

  /** Keeps the revision and queues the outbox entry for a record change, in the caller's transaction. */
  private recordChange(row: CallRow, revisionKind: RevisionKind, payload: MutationPayload, author: string | null): void {
    this.revisionSql.insert.run(row.id, row.local_revision, revisionKind, row.updated_at, row.content, author, author ? 0 : 1);
    this.outbox.enqueue({ recordId: row.id, baseRevision: row.base_revision, deskTime: row.updated_at, payload, authorId: author });
  }

  /** A record as the screen sees it, with who made it and its changes. */
  private recordOf(row: CallRow, addenda: AddendumRow[]): CallRecord {
    const nameOf = (u: string | null) => this.deps.authors.author(u);
    const revisions = this.revisionSql.authors.all(row.id) as { kind: RevisionKind; author_id: string | null }[];
    const last = (kind?: RevisionKind) => [...revisions].reverse().find((r) => kind === undefined || r.kind === kind)?.author_id ?? null;
    const authors: RecordAuthors = {
      createdBy: nameOf(row.created_by),
      updatedBy: nameOf(last()),
      finalisedBy: row.status === 'finalised' ? nameOf(last('finalise')) : null,
      discardedBy: row.status === 'discarded' ? nameOf(last('discard')) : null,
      unclaimedChanges: this.outboxSql.countUnclaimedOfRecord.get(row.id) as number,
    };
    return toCallRecord(row, addenda, authors, nameOf);
  }

  /**
   * The person the screen believes is writing must still be the desk user: otherwise someone signed
   * in or out meanwhile, and this change is not made under the new person's name.
   */
  private writer(expected: string | null | undefined): string | null {
    const author = this.deps.authors.authorId();
    if (expected !== undefined && expected !== author) {
      const now = author ? `${this.deps.authors.author(author)!.displayName} is signed in on this desk now` : 'nobody is signed in on this desk now';
      throw new CoreError('session_changed', `This was not saved: ${now}, and it would have been filed under them. Check the record before carrying on.`);
    }
    return author;
  }

  /** Only the person who started a draft changes it; one started while nobody was signed in, only while nobody is, until claimed. */
  private mayChange(row: CallRow, author: string | null): void {
    if (row.created_by === author) return;
    if (row.created_by === null) {
      throw new CoreError(
        'record_not_yours',
        'This record was written while nobody was signed in on this desk, so it is nobody’s yet. If it is yours, choose “This is mine” to file it under your name, then carry on.',
      );
    }
    const name = this.deps.authors.author(row.created_by)!.displayName;
    throw new CoreError('record_not_yours', `This draft was started by ${name}: only they can change, finalise or discard it. It is shown read-only.`);
  }

  private updateDraft(row: CallRow): void {
    // draftAt() checked the status in this same transaction; a miss here is a bug, never ignored.
    if (this.recordSql.updateDraft.run(row).changes !== 1) throw new Error('call record changed state inside its own transaction');
  }

  private rowOf(id: string): CallRow {
    const row = this.recordSql.byId.get(id) as CallRow | undefined;
    if (!row) throw notFound();
    return row;
  }

  /** The record, if it is a draft still at the revision the change was made on, and the author's to change. */
  private draftAt(id: string, revision: number, author: string | null): CallRow {
    const row = this.rowOf(id);
    if (row.status === 'finalised') {
      throw new CoreError('record_finalised', 'This call record has been finalised and cannot be changed. To add or correct something, add an addendum.');
    }
    if (row.status === 'discarded') throw discardedError();
    this.mayChange(row, author);
    if (row.local_revision !== revision) {
      throw new CoreError(
        'revision_conflict',
        `This record has changed since this copy was opened (it was revision ${revision}; the saved one is revision ${row.local_revision}). Nothing was overwritten: reopen the record to see the latest version.`,
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
