import type { ContractError, CoreEvents, CrisisDeskClient, Envelope, EventName, MethodName, ParamsOf, ResultOf, WireMessage } from '../../shared/contract';

/*
 * window.crisisDesk in the desktop app: the contract over a MessagePort straight to the core (main
 * hands one over per page load, and a new one after the core restarts), plus the shell's `app.*`
 * methods and events through main. It behaves like the browser host's WebSocket client: a call
 * never throws and never hangs; while the core is away calls wait a little for it, and calls
 * already sent when it went away answer core_unreachable (never resent: the screen decides).
 */

/** The parts of a DOM MessagePort this client uses. */
export interface PortLike {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  start(): void;
  close(): void;
}

export interface PortClientOptions {
  /** `app.*` methods, answered by main. */
  shellCall(method: string, params: unknown): Promise<Envelope<unknown>>;
  connectTimeoutMs?: number;
  answerTimeoutMs?: number;
}

export interface PortClient {
  /** Exactly what window.crisisDesk exposes. */
  client: CrisisDeskClient;
  /** A new port to the core (first load, or after a restart). */
  attach(port: PortLike): void;
  /** The core went away. */
  detach(): void;
  /** An event pushed by the shell (main). */
  emit(event: EventName, payload: unknown): void;
}

function unreachable(message: string): { ok: false; error: ContractError } {
  return { ok: false, error: { code: 'core_unreachable', message } };
}

const NOT_CONNECTED = 'Crisis Desk cannot reach its core on this computer. What you typed stays on this screen and is saved as soon as it is back.';
const DROPPED = 'The desk’s core stopped before it answered. What you typed stays on this screen and is saved again when it is back.';
const NO_ANSWER = 'The desk’s core did not answer in time. What you typed stays on this screen; it will be tried again.';

interface Pending {
  id: number;
  method: string;
  params: unknown;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve: (envelope: Envelope<unknown>) => void;
}

export function createPortClient(options: PortClientOptions): PortClient {
  const connectTimeoutMs = options.connectTimeoutMs ?? 8000;
  const answerTimeoutMs = options.answerTimeoutMs ?? 30_000;
  let port: PortLike | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  const settle = (p: Pending, envelope: Envelope<unknown>) => {
    clearTimeout(p.timer);
    pending.delete(p.id);
    p.resolve(envelope);
  };

  const send = (p: Pending) => {
    if (!port) return;
    const message: WireMessage = { kind: 'call', id: p.id, method: p.method, params: p.params };
    try {
      port.postMessage(message);
    } catch {
      return settle(p, unreachable(DROPPED));
    }
    p.sent = true;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => settle(p, unreachable(NO_ANSWER)), answerTimeoutMs);
  };

  const emit = (event: EventName, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) {
      try {
        l(payload);
      } catch (e) {
        console.error('crisisDesk event listener failed', e);
      }
    }
  };

  const receive = (data: unknown) => {
    const m = data as WireMessage | null;
    if (!m || typeof m !== 'object') return;
    if (m.kind === 'result') {
      const p = pending.get(m.id);
      if (p) settle(p, m.envelope);
    } else if (m.kind === 'event' && typeof m.event === 'string' && !m.event.startsWith('app.')) {
      emit(m.event, m.payload);
    }
  };

  const detach = () => {
    const old = port;
    port = null;
    if (old) {
      old.onmessage = null;
      try {
        old.close();
      } catch {
        // already gone
      }
    }
    for (const p of [...pending.values()]) if (p.sent) settle(p, unreachable(DROPPED));
  };

  const client: CrisisDeskClient = {
    call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Envelope<ResultOf<M>>> {
      if (typeof method === 'string' && method.startsWith('app.')) {
        return options.shellCall(method, params).catch(() => unreachable(NOT_CONNECTED)) as Promise<Envelope<ResultOf<M>>>;
      }
      return new Promise((resolve) => {
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
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
  };

  return {
    client,
    attach(next) {
      detach();
      port = next;
      next.onmessage = (ev) => receive(ev.data);
      next.start();
      for (const p of [...pending.values()]) if (!p.sent) send(p);
    },
    detach,
    emit(event, payload) {
      if (event.startsWith('app.')) emit(event, payload);
    },
  };
}
