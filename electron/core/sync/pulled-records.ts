import type Database from 'better-sqlite3-multiple-ciphers';
import type { Author } from '../../../shared/domain/people';
import type { ServerCallRecord } from '../../../shared/sync/protocol';
import { canonicalJson, type CallRow } from '../calls/call-rows';
import { callAddendumSql } from '../db/tables/call-addendum-sql';
import { callRecordSql } from '../db/tables/call-record-sql';
import { callRevisionSql } from '../db/tables/call-revision-sql';
import { conflictSql } from '../db/tables/conflict-sql';
import { META_KEYS, metaSql, recordsCursorOf } from '../db/tables/meta-sql';
import { outboxSql } from '../db/tables/outbox-sql';

/**
 * Writes records pulled from the server into desk.db: records from the clinician's other desks (or,
 * for a team lead, the team's), and later versions of records this desk already holds. A record
 * with changes still waiting on this desk is left alone: those changes reach the server next, and
 * either apply on top or come back as a conflict with both texts kept. A draft with an open
 * conflict is left alone too, until the clinician chooses: a newer server draft only refreshes the
 * conflict's "theirs", so this desk's text (what "keep mine" sends) is never replaced under it.
 *
 * Each record and addendum keeps its authors as the server holds them (with their names), so a
 * record pulled from another desk says who wrote it. Each user pulls from a cursor of their own:
 * the records one person may see are not another's.
 */
export class PulledRecords {
  private readonly recordSql;
  private readonly revisionSql;
  private readonly addendumSql;
  private readonly outboxSql;
  private readonly conflictSql;
  private readonly meta;
  private readonly file;

  constructor(
    private readonly db: Database.Database,
    private readonly rememberName: (author: Author) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.recordSql = callRecordSql(db);
    this.revisionSql = callRevisionSql(db);
    this.addendumSql = callAddendumSql(db);
    this.outboxSql = outboxSql(db);
    this.conflictSql = conflictSql(db);
    this.meta = metaSql(db);
    // Where the server filed the record (team, clinician) and its last change there: for shift summaries.
    this.file = db.prepare(`INSERT INTO record_filing (record_id, team_id, clinician_id, server_updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (record_id) DO UPDATE SET team_id = excluded.team_id, clinician_id = excluded.clinician_id, server_updated_at = excluded.server_updated_at`);
  }

  /** Where this user's pull continues. */
  cursor(userId: string): string | null {
    return (this.meta.value.get(recordsCursorOf(userId)) as string | undefined) ?? null;
  }

  /** Applies one page of this user's pull and the cursor after it, in one transaction. Returns how many changed here. */
  apply(records: readonly ServerCallRecord[], cursor: string, userId: string): number {
    let changed = 0;
    this.db
      .transaction(() => {
        for (const r of records) {
          if (this.applyOne(r)) changed++;
          this.file.run(r.id, r.teamId, r.clinicianId, r.updatedAt);
        }
        this.meta.put.run(recordsCursorOf(userId), cursor);
        this.meta.put.run(META_KEYS.recordsPulledAt, this.now().toISOString());
      })
      .immediate();
    return changed;
  }

  private applyOne(r: ServerCallRecord): boolean {
    for (const a of [r.createdBy, r.updatedBy, r.finalisedBy, r.discardedBy, ...r.addenda.map((x) => x.author)]) if (a) this.rememberName(a);
    if (r.createdBy) this.recordSql.setCreatedByIfUnknown.run(r.createdBy.userId, r.id);
    if (this.outboxSql.recordHasWaiting.get(r.id)) return false;
    const local = this.recordSql.byId.get(r.id) as CallRow | undefined;
    const content = canonicalJson(r.content);
    if (local?.status === 'draft' && r.status === 'draft' && this.conflictSql.recordHasOpen.get(r.id)) {
      return this.conflictSql.refreshTheirs.run(r.revision, content, r.id, r.revision).changes > 0;
    }
    const kind = r.status === 'finalised' ? 'finalise' : r.status === 'discarded' ? 'discard' : 'edit';
    let changed = false;
    if (!local) {
      this.recordSql.insertPulled.run({
        id: r.id, status: r.status, local_revision: 1, base_revision: r.revision, origin_client_id: r.lastClientId, created_at: r.content.startedAt,
        updated_at: r.updatedAt, finalised_at: r.finalisedAt, discarded_at: r.discardedAt, discard_reason: r.discardReason, content_hash: r.contentHash, content,
        created_by: r.createdBy?.userId ?? null,
      });
      this.revisionSql.insert.run(r.id, 1, r.status === 'draft' ? 'create' : kind, r.updatedAt, content, r.updatedBy?.userId ?? null, 0);
      changed = true;
    } else if (local.status === 'draft' && (r.revision > (local.base_revision ?? -1) || r.status !== 'draft')) {
      if (local.content !== content || local.status !== r.status) {
        const revision = local.local_revision + 1;
        this.recordSql.updateDraftFromServer.run({
          id: r.id, status: r.status, local_revision: revision, base_revision: r.revision, updated_at: r.updatedAt, finalised_at: r.finalisedAt,
          discarded_at: r.discardedAt, discard_reason: r.discardReason, content_hash: r.contentHash, content,
        });
        this.revisionSql.insert.run(r.id, revision, kind, r.updatedAt, content, r.updatedBy?.userId ?? null, 0);
        changed = true;
      } else this.recordSql.setBaseRevision.run(r.revision, r.id);
    } else if (r.revision > (local.base_revision ?? -1)) {
      this.recordSql.setBaseRevision.run(r.revision, r.id);
    }
    if (r.status === 'finalised') {
      for (const a of r.addenda) changed = this.addendumSql.insertIfNew.run(a.id, r.id, a.createdAt, a.text, a.contentHash, a.callbackMadeAt, a.author?.userId ?? null).changes > 0 || changed;
    }
    return changed;
  }
}
