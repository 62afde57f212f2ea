import { DESK_HEADER, SyncHint } from '../../../shared/sync/protocol';
import { fullJitterDelay, type BackoffPolicy } from './backoff';
import { serverSentEvents } from './line-streams';
import { ServerRefused, SignInRequired, type SyncHttp } from './sync-http';

/** The server sends a keep-alive every 25 s: a stream silent for longer than this has died. */
const HINT_IDLE_TIMEOUT_MS = 70_000;

export interface HintListenerEvents {
  onHint(hint: SyncHint): void;
  /** The stream connected: the server is reachable. */
  onConnected(): void;
  onUnreachable(e: Error): void;
  /** The server answered the stream with an error status: it is reachable, and said no. */
  onRefused(e: ServerRefused): void;
  onSignInRequired(): void;
}

/**
 * Holds the server's hint stream open (server-sent events) and passes each hint on, reconnecting
 * with backoff when it drops. Hints are only nudges: everything they announce is also found by the
 * engine's own checks, so a missed hint delays sync but loses nothing.
 */
export class HintListener {
  private stopped = false;
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private restartAsked = false;

  constructor(
    private readonly http: SyncHttp,
    private readonly backoff: BackoffPolicy,
    private readonly events: HintListenerEvents,
    /** This desk's clientId: the server caps open streams per desk by it. */
    private readonly clientId: string | null = null,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Reconnect at once (after a sign-in, say) instead of waiting out the backoff. */
  reconnectNow(): void {
    if (this.stopped || this.controller) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.connect();
  }

  /**
   * Closes the open stream and opens a new one at once, with whatever session there is now: someone
   * else signed in (hints are per person), or nobody is signed in any more — a stream must not go on
   * under the previous clinician's token. Not a failure.
   */
  restart(): void {
    if (this.stopped) return;
    if (!this.controller) return this.reconnectNow();
    this.restartAsked = true;
    this.controller.abort();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.controller) return;
    this.controller = new AbortController();
    let retryAfter: number | null = null;
    try {
      const res = await this.http.request('/v1/sync/hints', { signal: this.controller.signal, headers: { accept: 'text/event-stream', ...(this.clientId ? { [DESK_HEADER]: this.clientId } : {}) } });
      this.failures = 0;
      this.events.onConnected();
      for await (const e of serverSentEvents(this.http.bytes(res, HINT_IDLE_TIMEOUT_MS))) {
        const hint = SyncHint.safeParse(safeJson(e.data) ?? { kind: e.event });
        if (hint.success) this.events.onHint(hint.data);
      }
    } catch (e) {
      if (this.stopped) return;
      if (this.restartAsked) {
        // Ended on purpose (restart): not a failure, and not a sign that the server is away.
      } else if (e instanceof SignInRequired) {
        this.events.onSignInRequired();
        return; // A sign-in calls reconnectNow().
      } else {
        this.failures++;
        // Too many streams open (an old one not yet seen to be dead): the server is there; wait as it says.
        if (e instanceof ServerRefused && e.status === 429) retryAfter = e.retryAfterMs;
        else if (e instanceof ServerRefused) this.events.onRefused(e);
        else this.events.onUnreachable(e as Error);
      }
    } finally {
      this.controller = null;
    }
    const atOnce = this.restartAsked || this.failures === 0;
    this.restartAsked = false;
    if (!this.stopped) this.timer = setTimeout(() => void this.connect(), retryAfter ?? (atOnce ? 0 : fullJitterDelay(this.failures, this.backoff)));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
