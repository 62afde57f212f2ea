import type { CoreLifecycleMessage } from '../../../shared/contract';
import { ServerUnreachable } from '../sync/sync-http';
import type { SessionSnapshot, TokenSource } from '../sync/token-source';

/** How long the starter has to answer a token request before sync treats it as "not signed in". */
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Access tokens from the process that started the core (Electron main), which does the sign-in
 * and keeps the refresh tokens; the core asks over its lifecycle channel whenever it needs one,
 * for the signed-in person or for someone whose session is kept to send what they left waiting.
 */
export class ParentTokenSource implements TokenSource {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: { accessToken: string | null; unreachable: boolean }) => void>();
  private readonly sessionListeners: ((s: SessionSnapshot) => void)[] = [];
  /** Access tokens by person ('' for the signed-in one). */
  private readonly cached = new Map<string, string>();
  private snapshot: SessionSnapshot | null = null;

  constructor(private readonly send: (m: CoreLifecycleMessage) => void) {}

  /** Feed every lifecycle message from the starter through here. */
  receive(m: CoreLifecycleMessage): void {
    if (m.kind === 'token-response') {
      this.waiting.get(m.id)?.({ accessToken: m.accessToken, unreachable: m.unreachable === true });
      this.waiting.delete(m.id);
    } else if (m.kind === 'session-changed') {
      this.cached.clear();
      // Main and the core ship together: main names the person whenever someone is signed in.
      this.snapshot = { user: m.user ?? null, kept: m.kept ?? [], ...(m.ended ? { ended: true } : {}) };
      for (const l of this.sessionListeners) l(this.snapshot);
    }
  }

  private ask(reason: 'initial' | 'expired', userId: string | undefined): Promise<string | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, TOKEN_REQUEST_TIMEOUT_MS);
      this.waiting.set(id, ({ accessToken, unreachable }) => {
        clearTimeout(timer);
        // Signed in, but the sign-in service is out of reach: sync waits as it does when offline.
        if (unreachable) reject(new ServerUnreachable('The sign-in service cannot be reached to renew the session.'));
        else resolve(accessToken);
      });
      this.send({ kind: 'token-request', id, reason, ...(userId ? { userId } : {}) });
    });
  }

  async accessToken(userId?: string): Promise<string | null> {
    const key = userId ?? '';
    const cached = this.cached.get(key);
    if (cached) return cached;
    const token = await this.ask('initial', userId);
    if (token) this.cached.set(key, token);
    return token;
  }

  async renewAccessToken(userId?: string): Promise<string | null> {
    const key = userId ?? '';
    this.cached.delete(key);
    const token = await this.ask('expired', userId);
    if (token) this.cached.set(key, token);
    return token;
  }

  requestSignIn(): null {
    this.send({ kind: 'sign-in-requested' });
    return null;
  }

  requestSignOut(): void {
    this.send({ kind: 'sign-out-requested' });
  }

  releaseSession(userId: string): void {
    this.cached.delete(userId);
    this.send({ kind: 'release-session', userId });
  }

  current(): SessionSnapshot | null {
    return this.snapshot;
  }

  onSessionChanged(listener: (s: SessionSnapshot) => void): void {
    this.sessionListeners.push(listener);
  }
}
