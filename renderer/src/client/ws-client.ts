import { createContractClient, type ContractClient, type ContractLink, type CrisisDeskClient, type WireMessage } from '../../../shared/contract';

/*
 * window.crisisDesk for the browser host: the contract (shared/contract/contract-client.ts) over a
 * WebSocket to /contract on the page's own host. Electron's preload gives the same client over a
 * MessagePort; the screen cannot tell which one it has.
 *
 * The connection is kept alive, not the page: when the socket drops (the host restarting, a laptop
 * waking up) the client reconnects with backoff while the screen keeps everything the clinician
 * typed; calls sent before the drop are answered core_unreachable, never sent again.
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

/** The screen's own timers, looked up at each use (tests replace them). */
const windowTimers = { set: (fn: () => void, ms: number) => setTimeout(fn, ms), clear: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };

/**
 * The wait before reconnection attempt `attempts` (1, 2, …): full jitter over a bound that doubles
 * from `baseMs` up to `maxMs`, so a room of desks does not reconnect in step after the host comes back.
 */
export function reconnectDelay(attempts: number, { baseMs, maxMs, random }: { baseMs: number; maxMs: number; random: () => number }): number {
  const bound = Math.min(maxMs, baseMs * 2 ** Math.min(attempts - 1, 10));
  return Math.max(50, Math.round(random() * bound));
}

/** The connection's state and who is told when it changes. */
function connectionTracker(now: () => number) {
  let state: ConnectionState = { status: 'connecting', since: now(), attempts: 0 };
  const listeners = new Set<(state: ConnectionState) => void>();
  return {
    get: () => state,
    set(status: ConnectionStatus, attempts: number) {
      if (state.status === status && state.attempts === attempts) return;
      state = { status, since: state.status === status ? state.since : now(), attempts };
      for (const l of listeners) l(state);
    },
    listen(listener: (state: ConnectionState) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A message from the socket, or null when it is not JSON. */
function decode(data: unknown): unknown {
  try {
    return JSON.parse(String(data)) as unknown;
  } catch {
    return null;
  }
}

const OPEN = 1;

/** The contract's link over an open socket: one JSON text frame per message; nothing once it is closing (the call waits for the next socket). */
function socketLink(socket: SocketLike): ContractLink {
  return {
    send(message: WireMessage) {
      if (socket.readyState !== OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
  };
}

/** One socket's life: linked to the contract while it is open; when it closes, `onLost` is called once. */
function openSocket(socket: SocketLike, contract: ContractClient, isCurrent: () => boolean, onOpen: () => void, onLost: () => void): void {
  socket.onopen = () => {
    if (!isCurrent()) return;
    onOpen();
    contract.linked(socketLink(socket));
  };
  socket.onmessage = (ev) => {
    if (isCurrent()) contract.receive(decode(ev.data));
  };
  socket.onerror = () => {};
  socket.onclose = () => {
    if (!isCurrent()) return;
    // Calls already sent may or may not have been carried out: the contract answers them now.
    contract.unlinked();
    onLost();
  };
}

export function createWebSocketClient(options: WebSocketClientOptions): ConnectedClient {
  const createSocket = options.createSocket ?? ((url: string, protocols?: string[]) => new WebSocket(url, protocols) as unknown as SocketLike);
  const backoff = { baseMs: options.retryBaseMs ?? 250, maxMs: options.retryMaxMs ?? 5000, random: options.random ?? Math.random };
  const connection = connectionTracker(options.now ?? Date.now);
  const contract = createContractClient({
    timers: windowTimers,
    connectTimeoutMs: options.connectTimeoutMs,
    answerTimeoutMs: options.answerTimeoutMs,
    onListenerError: (e) => console.error('crisisDesk event listener failed', e),
  });

  let socket: SocketLike | null = null;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const attempts = connection.get().attempts + 1;
    connection.set('reconnecting', attempts);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, reconnectDelay(attempts, backoff));
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
    openSocket(
      s,
      contract,
      () => socket === s,
      () => connection.set('open', 0),
      () => {
        socket = null;
        scheduleReconnect();
      },
    );
  }

  connect();

  return {
    ...contract.client,
    connection: connection.get,
    onConnection: connection.listen,
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const s = socket;
      socket = null;
      s?.close(1000, 'closing');
      contract.close();
    },
  };
}

/** The contract's address on the page's own host. */
export function contractUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/contract`;
}
