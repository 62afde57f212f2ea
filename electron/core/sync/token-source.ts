/**
 * Where the core's sync gets access tokens. Signing in is the job of whoever started the core
 * (Electron main, or the browser host), which keeps the refresh token; the core never sees it.
 * Working offline never needs a token: without one, sync pauses and the desk carries on.
 */
export interface TokenSource {
  /** The current access token, or null when nobody is signed in. */
  accessToken(): Promise<string | null>;
  /** A fresh access token after the server refused the last one (refreshes once), or null. */
  renewAccessToken(): Promise<string | null>;
  /**
   * The clinician asked to sign in. The starter opens the identity provider itself (Electron: the
   * system browser) and answers null, or answers an address the screen should open (the browser host).
   */
  requestSignIn(): string | null;
  requestSignOut(): void;
  /** Called when someone signs in or out, so sync resumes at once. */
  onSessionChanged(listener: (session: { signedIn: boolean; userName: string | null }) => void): void;
}
