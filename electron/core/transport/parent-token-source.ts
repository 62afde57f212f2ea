import type { CoreLifecycleMessage } from '../../../shared/contract';
import { ServerUnreachable } from '../sync/sync-http';
import type { TokenSource } from '../sync/token-source';

/** How long the starter has to answer a token request before sync treats it as "not signed in". */
const TOKEN_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Access tokens from the process that started the core (Electron main), which does the sign-in
 * and keeps the refresh token; the core asks over its lifecycle channel whenever it needs one.
 */
export class ParentTokenSource implements TokenSource {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: { accessToken: string | null; unreachable: boolean }) => void>();
  private readonly sessionListeners: ((s: { signedIn: boolean; userName: string | null }) => void)[] = [];
  private cached: string | null = null;

  constructor(private readonly send: (m: CoreLifecycleMessage) => void) {}

  /** Feed every lifecycle message from the starter through here. */
  receive(m: CoreLifecycleMessage): void {
    if (m.kind === 'token-response') {
      this.waiting.get(m.id)?.({ accessToken: m.accessToken, unreachable: m.unreachable === true });
      this.waiting.delete(m.id);
    } else if (m.kind === 'session-changed') {
      this.cached = null;
      for (const l of this.sessionListeners) l({ signedIn: m.signedIn, userName: m.userName });
    }
  }

  private ask(reason: 'initial' | 'expired'): Promise<string | null> {
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
      this.send({ kind: 'token-request', id, reason });
    });
  }

  async accessToken(): Promise<string | null> {
    this.cached ??= await this.ask('initial');
    return this.cached;
  }

  async renewAccessToken(): Promise<string | null> {
    this.cached = await this.ask('expired');
    return this.cached;
  }

  requestSignIn(): null {
    this.send({ kind: 'sign-in-requested' });
    return null;
  }

  requestSignOut(): void {
    this.send({ kind: 'sign-out-requested' });
  }

  onSessionChanged(listener: (s: { signedIn: boolean; userName: string | null }) => void): void {
    this.sessionListeners.push(listener);
  }
}
