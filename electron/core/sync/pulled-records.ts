import type Database from 'better-sqlite3-multiple-ciphers';
import type { Author } from '../../../shared/domain/people';
import type { ServerCallRecord } from '../../../shared/sync/protocol';
import { canonicalJson, type CallRow } from '../calls/call-rows';
import { META_KEYS, recordsCursorOf } from '../db/migrations';

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
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly rememberName: (author: Author) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.s = {
      local: db.prepare('SELECT * FROM call_record WHERE id = ?'),
      waiting: db.prepare("SELECT 1 FROM outbox WHERE record_id = ? AND state = 'pending' LIMIT 1").pluck(),
      inConflict: db.prepare('SELECT 1 FROM conflict WHERE record_id = ? AND resolved_at IS NULL LIMIT 1').pluck(),
      refreshTheirs: db.prepare('UPDATE conflict SET server_revision = ?, server_content = ? WHERE record_id = ? AND resolved_at IS NULL AND server_revision < ?'),
      insert: db.prepare(`INSERT INTO call_record (id, status, revision, base_revision, origin_client_id, created_at, updated_at, finalised_at,
        discarded_at, discard_reason, content_hash, content, created_by) VALUES (@id, @status, @revision, @base_revision, @origin_client_id, @created_at,
        @updated_at, @finalised_at, @discarded_at, @discard_reason, @content_hash, @content, @created_by)`),
      update: db.prepare(`UPDATE call_record SET status = @status, revision = @revision, base_revision = @base_revision, updated_at = @updated_at,
        finalised_at = @finalised_at, discarded_at = @discarded_at, discard_reason = @discard_reason, content_hash = @content_hash, content = @content
        WHERE id = @id AND status = 'draft'`),
      setBase: db.prepare('UPDATE call_record SET base_revision = ? WHERE id = ?'),
      // Who started it, once known (a record from before authors were recorded learns it here).
      setCreatedBy: db.prepare('UPDATE call_record SET created_by = ? WHERE id = ? AND created_by IS NULL'),
      revision: db.prepare('INSERT INTO call_revision (record_id, revision, kind, saved_at, content, author_id) VALUES (?, ?, ?, ?, ?, ?)'),
      addendum: db.prepare('INSERT OR IGNORE INTO addendum (id, record_id, created_at, text, content_hash, callback_made_at, author_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      getCursor: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setCursor: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      // Where the server filed the record (team, clinician) and its last change there: for shift summaries.
      file: db.prepare(`INSERT INTO record_filing (record_id, team_id, clinician_id, server_updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (record_id) DO UPDATE SET team_id = excluded.team_id, clinician_id = excluded.clinician_id, server_updated_at = excluded.server_updated_at`),
    };
  }

  /** Where this user's pull continues. */
  cursor(userId: string): string | null {
    return (this.s.getCursor.get(recordsCursorOf(userId)) as string | undefined) ?? null;
  }

  /** Applies one page of this user's pull and the cursor after it, in one transaction. Returns how many changed here. */
  apply(records: readonly ServerCallRecord[], cursor: string, userId: string): number {
    let changed = 0;
    this.db
      .transaction(() => {
        for (const r of records) {
          if (this.applyOne(r)) changed++;
          this.s.file.run(r.id, r.teamId, r.clinicianId, r.updatedAt);
        }
        this.s.setCursor.run(recordsCursorOf(userId), cursor);
        this.s.setCursor.run(META_KEYS.recordsPulledAt, this.now().toISOString());
      })
      .immediate();
    return changed;
  }

  private applyOne(r: ServerCallRecord): boolean {
    for (const a of [r.createdBy, r.updatedBy, r.finalisedBy, r.discardedBy, ...r.addenda.map((x) => x.author)]) if (a) this.rememberName(a);
    if (r.createdBy) this.s.setCreatedBy.run(r.createdBy.userId, r.id);
    if (this.s.waiting.get(r.id)) return false;
    const local = this.s.local.get(r.id) as CallRow | undefined;
    const content = canonicalJson(r.content);
    if (local?.status === 'draft' && r.status === 'draft' && this.s.inConflict.get(r.id)) {
      return this.s.refreshTheirs.run(r.revision, content, r.id, r.revision).changes > 0;
    }
    const kind = r.status === 'finalised' ? 'finalise' : r.status === 'discarded' ? 'discard' : 'edit';
    let changed = false;
    if (!local) {
      this.s.insert.run({
        id: r.id, status: r.status, revision: 1, base_revision: r.revision, origin_client_id: r.lastClientId, created_at: r.content.startedAt,
        updated_at: r.updatedAt, finalised_at: r.finalisedAt, discarded_at: r.discardedAt, discard_reason: r.discardReason, content_hash: r.contentHash, content,
        created_by: r.createdBy?.userId ?? null,
      });
      this.s.revision.run(r.id, 1, r.status === 'draft' ? 'create' : kind, r.updatedAt, content, r.updatedBy?.userId ?? null);
      changed = true;
    } else if (local.status === 'draft' && (r.revision > (local.base_revision ?? -1) || r.status !== 'draft')) {
      if (local.content !== content || local.status !== r.status) {
        const revision = local.revision + 1;
        this.s.update.run({
          id: r.id, status: r.status, revision, base_revision: r.revision, updated_at: r.updatedAt, finalised_at: r.finalisedAt,
          discarded_at: r.discardedAt, discard_reason: r.discardReason, content_hash: r.contentHash, content,
        });
        this.s.revision.run(r.id, revision, kind, r.updatedAt, content, r.updatedBy?.userId ?? null);
        changed = true;
      } else this.s.setBase.run(r.revision, r.id);
    } else if (r.revision > (local.base_revision ?? -1)) {
      this.s.setBase.run(r.revision, r.id);
    }
    if (r.status === 'finalised') {
      for (const a of r.addenda) changed = this.s.addendum.run(a.id, r.id, a.createdAt, a.text, a.contentHash, a.callbackMadeAt, a.author?.userId ?? null).changes > 0 || changed;
    }
    return changed;
  }
}
