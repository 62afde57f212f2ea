import type Database from 'better-sqlite3-multiple-ciphers';
import type { SessionView } from '../../../shared/contract';
import { ROLES, type Author, type DeskUser } from '../../../shared/domain/people';
import type { AuditLog } from '../audit/audit-log';
import { META_KEYS, metaSql } from '../db/tables/meta-sql';
import type { SessionSnapshot, TokenSource } from '../sync/token-source';

/**
 * Who is using this desk, which is who every change made on it is filed under (DESIGN.md §5).
 *
 * The desk user is the last person to sign in here, until they sign out or someone else signs in.
 * A session that ends by itself (expired or revoked, or the browser host restarted and forgot it)
 * does not change who is at the desk: their work stays theirs and sync waits for them to sign in
 * again. After a sign-out nobody is the desk user and changes are unclaimed: never handed to the
 * next person to sign in, only claimed by someone who says they made them.
 *
 * Kept across restarts in desk.db (meta), so a restart never turns one person's work into nobody's
 * or someone else's. Also keeps the names of everyone whose changes the desk shows (person).
 */
export class DeskSession {
  private user: DeskUser | null;
  private state: SessionView['state'];
  private keptIds = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
    private readonly tokens: TokenSource | null,
  ) {
    this.s = {
      getMeta: metaSql(db).value,
      setMeta: metaSql(db).put,
      deleteMeta: metaSql(db).remove,
      person: db.prepare('SELECT display_name FROM person WHERE user_id = ?').pluck(),
      remember: db.prepare(
        'INSERT INTO person (user_id, display_name, updated_at) VALUES (?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at',
      ),
    };
    this.user = this.stored();
    this.state = this.user ? 'ended' : 'signed_out';
    const known = tokens?.current();
    if (known) this.apply(known, false);
    tokens?.onSessionChanged((s) => this.apply(s, true));
  }

  /** The person changes are filed under now: the desk user, or null (unclaimed) when nobody is. */
  authorId(): string | null {
    return this.user?.userId ?? null;
  }

  view(): SessionView {
    return { user: this.user, state: this.state };
  }

  /** The person signed in now with a live session, or null. */
  signedInId(): string | null {
    return this.state === 'signed_in' ? (this.user?.userId ?? null) : null;
  }

  /** People whose sessions the starter keeps to send what they left waiting. */
  kept(): ReadonlySet<string> {
    return this.keptIds;
  }

  /** Whether this person's changes can be sent now: they are signed in, or their session is kept for them. */
  canSend(userId: string): boolean {
    return this.signedInId() === userId || this.keptIds.has(userId);
  }

  /** A person as shown beside their changes; their id stands for their name when the desk never learned it. */
  author(userId: string | null): Author | null {
    if (userId === null) return null;
    return { userId, displayName: (this.s.person.get(userId) as string | undefined) ?? userId };
  }

  /** Records the name of someone whose changes this desk holds (from a pull). */
  rememberName(author: Author): void {
    this.s.remember.run(author.userId, author.displayName || author.userId, this.now().toISOString());
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The desk user signed out here: from now on changes are unclaimed. Their session, kept by the
   * starter, goes on sending what they left waiting.
   */
  signOut(): void {
    const user = this.user;
    const wasSignedOut = this.state === 'signed_out';
    // Nobody is the desk user before the starter hears of it, so nothing lands in between under them.
    this.setUser(null, 'signed_out');
    if (!wasSignedOut) this.audit.append({ action: 'sign_out', detail: { user: user?.userId ?? null } });
    this.tokens?.requestSignOut();
    if (!wasSignedOut) this.changed();
  }

  private apply(s: SessionSnapshot, notify: boolean): void {
    const before = JSON.stringify([this.user, this.state, [...this.keptIds].sort()]);
    this.keptIds = new Set(s.kept);
    const next = s.user ? sanitise(s.user) : null;
    if (next) {
      if (next.userId !== this.user?.userId || this.state !== 'signed_in') {
        this.audit.append({ action: 'sign_in', detail: { user: next.userId, previous: this.user?.userId ?? null } });
      }
      this.setUser(next, 'signed_in');
      this.rememberName(next);
    } else if (this.state === 'signed_in') {
      // Ended by itself: the person stays the desk user. Signed out (elsewhere: the app's menu): nobody is.
      if (s.ended) this.state = 'ended';
      else {
        this.audit.append({ action: 'sign_out', detail: { user: this.user?.userId ?? null } });
        this.setUser(null, 'signed_out');
      }
    }
    this.keptIds.delete(this.signedInId() ?? '');
    // A sign-in said again is news too: sync waiting for one carries on.
    if (notify && (next || before !== JSON.stringify([this.user, this.state, [...this.keptIds].sort()]))) this.changed();
  }

  private setUser(user: DeskUser | null, state: SessionView['state']): void {
    this.user = user;
    this.state = state;
    if (user) this.s.setMeta.run(META_KEYS.deskUser, JSON.stringify(user));
    else this.s.deleteMeta.run(META_KEYS.deskUser);
  }

  private stored(): DeskUser | null {
    const text = this.s.getMeta.get(META_KEYS.deskUser) as string | undefined;
    if (!text) return null;
    try {
      return sanitise(JSON.parse(text) as DeskUser);
    } catch {
      return null;
    }
  }


  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** Only the fields and roles the desk knows, whatever the starter (or an old desk.db) sent; null without an id. */
function sanitise(u: DeskUser): DeskUser | null {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : null);
  const userId = text(u?.userId);
  if (!userId) return null;
  return {
    userId,
    displayName: text(u.displayName) ?? userId,
    trustId: text(u.trustId),
    teamId: text(u.teamId),
    roles: ROLES.filter((r) => Array.isArray(u.roles) && u.roles.includes(r)),
  };
}
