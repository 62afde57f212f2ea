import type Database from 'better-sqlite3-multiple-ciphers';
import { TeamContext } from '../../../shared/lib/shift-team-context';
import type { SyncHttp } from '../sync/sync-http';

/*
 * What the server last said about a team (its name, shifts, people, desks' sync state and offline
 * periods: shared/lib/shift-team-context.ts), kept in desk.db so that a lead's summary works
 * offline and says how old that is. The server only answers a team's lead or an admin of its
 * trust, so a team this desk has a context for is one someone signed in here was allowed to see.
 */

export interface StoredContext {
  context: TeamContext;
  fetchedAt: string;
  /** The user id of the person the server gave it to: only they may use it here. */
  fetchedBy: string | null;
}

export class TeamContextStore {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly now: () => Date,
  ) {
    this.s = {
      get: db.prepare('SELECT context, fetched_at, fetched_by FROM team_context WHERE team_id = ?'),
      put: db.prepare(`INSERT INTO team_context (team_id, context, fetched_at, fetched_by) VALUES (?, ?, ?, ?)
        ON CONFLICT (team_id) DO UPDATE SET context = excluded.context, fetched_at = excluded.fetched_at, fetched_by = excluded.fetched_by`),
    };
  }

  get(teamId: string): StoredContext | null {
    const row = this.s.get.get(teamId) as { context: string; fetched_at: string; fetched_by: string | null } | undefined;
    if (!row) return null;
    const parsed = TeamContext.safeParse(JSON.parse(row.context));
    return parsed.success ? { context: parsed.data, fetchedAt: row.fetched_at, fetchedBy: row.fetched_by } : null;
  }

  /** Asks the server (it checks the role) and keeps the answer; throws as SyncHttp does when it cannot. */
  async refresh(http: SyncHttp, teamId: string, userId: string, signal?: AbortSignal): Promise<StoredContext> {
    const context = await http.json(`/v1/summaries/team-context?${new URLSearchParams({ teamId })}`, (v) => TeamContext.parse(v), { signal });
    const fetchedAt = this.now().toISOString();
    this.s.put.run(teamId, JSON.stringify(context), fetchedAt, userId);
    return { context, fetchedAt, fetchedBy: userId };
  }
}
