import type { ContractError, CoreEvents, CrisisDeskClient, Envelope, EventName, MethodName, ParamsOf, ResultOf, WireMessage } from '../../../shared/contract';

/*
 * window.crisisDesk for the browser host: the contract over a WebSocket to /contract on the page's
 * own host. Electron's preload gives the same interface over a MessagePort; the screen cannot tell
 * which one it has.
 *
 * The connection is kept alive, not the page: when the socket drops (the host restarting, a laptop
 * waking up) the client reconnects with backoff while the screen keeps everything the clinician
 * typed. A call never throws and never hangs: it answers the core's envelope, or a
 * `core_unreachable` error envelope when the core could not be reached in time or the connection
 * dropped before it answered (the caller then decides whether to retry: autosave does).
 */

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionState {
  status: ConnectionStatus;
  /** When the connection reached this status (ms since epoch). */
  since: number;
  /** Failed attempts since the connection was last open. */
  attempts: number;
}

/** The parts of the browser's WebSocket this client uses (a fake in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface WebSocketClientOptions {
  url: string;
  /** The WebSocket protocols to ask for at each connection (the browser host's: the tab session, tab-session.ts). */
  protocols?: string[];
  createSocket?: (url: string, protocols?: string[]) => SocketLike;
  /** How long a call waits for a connection before answering core_unreachable. */
  connectTimeoutMs?: number;
  /** How long a sent call waits for its answer. */
  answerTimeoutMs?: number;
  /** Reconnection backoff: first delay and cap. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  random?: () => number;
  now?: () => number;
}

export interface ConnectedClient extends CrisisDeskClient {
  connection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

const OPEN = 1;

interface Pending {
  id: number;
  method: string;
  params: unknown;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve: (envelope: Envelope<unknown>) => void;
}

export function unreachable(message: string): { ok: false; error: ContractError } {
  return { ok: false, error: { code: 'core_unreachable', message } };
}

const NOT_CONNECTED =
  'Crisis Desk cannot reach its core on this computer. What you typed stays on this screen and is saved as soon as the connection returns.';
const DROPPED =
  'The connection to the desk’s core was lost before it answered. What you typed stays on this screen and is saved again when the connection returns.';
const NO_ANSWER = 'The desk’s core did not answer in time. What you typed stays on this screen; it will be tried again.';

export function createWebSocketClient(options: WebSocketClientOptions): ConnectedClient {
  const createSocket = options.createSocket ?? ((url: string, protocols?: string[]) => new WebSocket(url, protocols) as unknown as SocketLike);
  const connectTimeoutMs = options.connectTimeoutMs ?? 8000;
  const answerTimeoutMs = options.answerTimeoutMs ?? 30_000;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  let socket: SocketLike | null = null;
  let closed = false;
  let nextId = 1;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let state: ConnectionState = { status: 'connecting', since: now(), attempts: 0 };
  const pending = new Map<number, Pending>();
  const eventListeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();

  const setState = (status: ConnectionStatus, attempts: number) => {
    if (state.status === status && state.attempts === attempts) return;
    state = { status, since: state.status === status ? state.since : now(), attempts };
    for (const l of connectionListeners) l(state);
  };

  const settle = (p: Pending, envelope: Envelope<unknown>) => {
    clearTimeout(p.timer);
    pending.delete(p.id);
    p.resolve(envelope);
  };

  const send = (p: Pending) => {
    if (!socket || socket.readyState !== OPEN) return;
    const message: WireMessage = { kind: 'call', id: p.id, method: p.method, params: p.params };
    try {
      socket.send(JSON.stringify(message));
    } catch {
      return; // the close handler answers it
    }
    p.sent = true;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => settle(p, unreachable(NO_ANSWER)), answerTimeoutMs);
  };

  const onMessage = (data: unknown) => {
    let message: WireMessage;
    try {
      message = JSON.parse(String(data)) as WireMessage;
    } catch {
      return;
    }
    if (message.kind === 'result') {
      const p = pending.get(message.id);
      if (p) settle(p, message.envelope);
    } else if (message.kind === 'event') {
      for (const l of eventListeners.get(message.event) ?? []) {
        try {
          l(message.payload);
        } catch (e) {
          console.error('crisisDesk event listener failed', e);
        }
      }
    }
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const attempts = state.attempts + 1;
    setState('reconnecting', attempts);
    // Full jitter, so a room of desks does not reconnect in step after the host comes back.
    const cap = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempts - 1, 10));
    const delay = Math.max(50, Math.round(random() * cap));
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  };

  function connect() {
    if (closed) return;
    let s: SocketLike;
    try {
      s = createSocket(options.url, options.protocols);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      setState('open', 0);
      for (const p of [...pending.values()]) if (!p.sent) send(p);
    };
    s.onmessage = (ev) => {
      if (socket === s) onMessage(ev.data);
    };
    s.onerror = () => {};
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      // Calls already sent may or may not have been carried out: answer them now, never resend.
      for (const p of [...pending.values()]) {
        if (p.sent) settle(p, unreachable(DROPPED));
      }
      scheduleReconnect();
    };
  }

  connect();

  return {
    call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Envelope<ResultOf<M>>> {
      return new Promise((resolve) => {
        if (closed) return resolve(unreachable(NOT_CONNECTED));
        const id = nextId++;
        const p: Pending = {
          id,
          method,
          params,
          sent: false,
          resolve: resolve as (e: Envelope<unknown>) => void,
          timer: setTimeout(() => settle(p, unreachable(NOT_CONNECTED)), connectTimeoutMs),
        };
        pending.set(id, p);
        send(p);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: CoreEvents[E]) => void): () => void {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    connection: () => state,
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const s = socket;
      socket = null;
      s?.close(1000, 'closing');
      for (const p of [...pending.values()]) settle(p, unreachable(NOT_CONNECTED));
    },
  };
}

/** The contract's address on the page's own host. */
export function contractUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/contract`;
}
