import type { DeskUser } from '../domain/people';
import type { ContractError, Envelope } from './errors';
import type { CoreEvents, EventName } from './events';
import type { MethodName, ParamsOf, ResultOf } from './methods';

/** What the renderer sees as window.crisisDesk, whichever host runs the core. */
export interface CrisisDeskClient {
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Envelope<ResultOf<M>>>;
  on<E extends EventName>(event: E, listener: (payload: CoreEvents[E]) => void): () => void;
}

/** Messages on the wire between a client and the core (MessagePort, WebSocket or process IPC). */
export type WireMessage =
  | { kind: 'call'; id: number; method: string; params: unknown }
  | { kind: 'result'; id: number; envelope: Envelope<unknown> }
  | { kind: 'event'; event: EventName; payload: unknown };

/**
 * Messages between the process that starts the core (Electron main, a test) and the core process.
 * Sign-in belongs to the starter (it opens the system browser and keeps the refresh token); the
 * core asks it for access tokens when it needs one and tells it when the clinician asks to sign in.
 */
export type CoreLifecycleMessage =
  | {
      kind: 'init';
      dataDir: string;
      geoDir: string;
      deskKeyHex: string;
      appVersion?: string;
      serverUrl?: string;
      /** Sync timings; the defaults suit a trust desk, tests shorten them. */
      syncTuning?: { timeoutMs?: number; idleTimeoutMs?: number; watchdogMs?: number; backoffBaseMs?: number; backoffCapMs?: number };
    }
  | { kind: 'ready'; clientId: string }
  | { kind: 'fatal'; error: ContractError }
  /**
   * core → starter: an access token please; `expired` after the server refused the last one.
   * `userId`: for that person's session (the signed-in one, or one kept after they left to send
   * their remaining changes); absent: the signed-in person's.
   */
  | { kind: 'token-request'; id: number; reason: 'initial' | 'expired'; userId?: string }
  /**
   * starter → core: the token, or null when nobody is signed in. `unreachable`: someone is signed in
   * but the identity provider could not be reached to renew the token (sync backs off as offline).
   */
  | { kind: 'token-response'; id: number; accessToken: string | null; unreachable?: boolean }
  /** core → starter: the clinician asked to sign in (to sync) or out. */
  | { kind: 'sign-in-requested' }
  | { kind: 'sign-out-requested' }
  /**
   * starter → core: someone signed in or out; sync picks it up at once. `user`: who is signed in
   * (from their access token); `kept`: people whose sessions are kept after they left, only to send
   * their remaining changes; `ended`: the session ended by itself (refused refresh), not by signing out.
   */
  | { kind: 'session-changed'; signedIn: boolean; userName: string | null; user?: DeskUser | null; kept?: string[]; ended?: boolean }
  /** core → starter: this person's kept session is no longer needed (all their changes are sent): revoke and forget it. */
  | { kind: 'release-session'; userId: string }
  /**
   * starter → core (Electron): the MessagePort that comes with this message (in `ports`) leads to a
   * screen; serve the contract on it until it closes. The lifecycle stays on the parent channel.
   */
  | { kind: 'connect' }
  /**
   * core → starter: counts from the latest sync status, without any record content. Electron main
   * keeps the last one so that it can warn how much is unsynced when desk.db can no longer be opened.
   */
  | { kind: 'status'; waiting: number; conflicts: number; rejected: number; lastSyncedAt: string | null }
  /**
   * starter → core (Electron main): write this shift summary export to the path the person chose
   * in the save dialog (app.saveExport). Main picks the place and never reads the records: the core
   * checks the request as it checks summaries.export from the screen (schema, role) and writes it.
   */
  | { kind: 'export-to-path'; id: number; params: unknown }
  /** core → starter: the answer to export-to-path, as summaries.export answers. */
  | { kind: 'export-result'; id: number; envelope: Envelope<unknown> };
