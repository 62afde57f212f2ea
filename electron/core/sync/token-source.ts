import type { DeskUser } from '../../../shared/domain/people';

/** What the starter knows of the sessions on this desk. */
export interface SessionSnapshot {
  /** Who is signed in now, from their access token's claims; null when nobody is. */
  user: DeskUser | null;
  /**
   * People who have left this desk (signed out, or someone else signed in) whose sessions are kept
   * only to send the changes they made here and had not sent yet. The core releases each one as
   * soon as nothing of theirs waits.
   */
  kept: string[];
  /** The signed-in session ended by itself (its renewal was refused), not because someone signed out. */
  ended?: boolean;
}

/**
 * Where the core's sync gets access tokens. Signing in is the job of whoever started the core
 * (Electron main, or the browser host), which keeps the refresh tokens; the core never sees them.
 * Working offline never needs a token: without one, sync pauses and the desk carries on.
 */
export interface TokenSource {
  /**
   * An access token for `userId`'s session (the signed-in person's, or one kept after they left),
   * or for the signed-in person when no id is given; null when there is no such session. Throws
   * ServerUnreachable when the session holds but the sign-in service cannot be reached to renew it.
   */
  accessToken(userId?: string): Promise<string | null>;
  /** A fresh access token after the server refused the last one (refreshes once), or null. */
  renewAccessToken(userId?: string): Promise<string | null>;
  /**
   * The clinician asked to sign in. The starter opens the identity provider itself (Electron: the
   * system browser) and answers null, or answers an address the screen should open (the browser host).
   */
  requestSignIn(): string | null;
  /** Signs the signed-in person out; their session is kept (see SessionSnapshot.kept) until released. */
  requestSignOut(): void;
  /** Nothing of this person's waits any more: revoke and forget their kept session. */
  releaseSession(userId: string): void;
  /** The sessions as the starter knows them now; null until it has said (a starter in another process). */
  current(): SessionSnapshot | null;
  /** Called whenever the sessions change, so sync resumes at once. */
  onSessionChanged(listener: (session: SessionSnapshot) => void): void;
}
