import type { CrisisDeskClient, WireMessage } from './client';
import type { ContractError, Envelope } from './errors';
import type { CoreEvents, EventName } from './events';
import type { MethodName, ParamsOf, ResultOf } from './methods';
import { isShellEvent, isShellMethod } from './shell';

/*
 * window.crisisDesk, the one implementation behind both ways the screen reaches the core: a
 * MessagePort in the desktop app (electron/preload/port-client.ts) and a WebSocket in the browser
 * host (renderer/src/client/ws-client.ts). Each of those only says when its link is up or lost and
 * hands over what arrives; the calls, their answers and their timeouts are kept here.
 *
 * A call never throws and never hangs: it answers the core's envelope, or `core_unreachable` when
 * the core could not be reached in time, did not answer in time, or went away after the call was
 * sent. A call that was sent is never sent again (the core may have carried it out): the screen
 * decides whether to retry, as autosave does. Calls made while the link is down wait for it.
 */

/** A link to the core that is up. */
export interface ContractLink {
  /**
   * Carries one message. False when it cannot just now (a socket already closing): the call waits
   * for the next link, unsent. Throws when it never could: the call is answered at once.
   */
  send(message: WireMessage): boolean;
}

/** Timers, handed in: shared/ has no host (the screen's window, or the preload's) of its own. */
export interface ContractTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface ContractClientOptions {
  timers: ContractTimers;
  /** How long a call waits for a link before answering core_unreachable. */
  connectTimeoutMs?: number;
  /** How long a sent call waits for its answer. */
  answerTimeoutMs?: number;
  /** `app.*` methods, answered by the desktop shell (Electron main); without one they go to the core, which refuses them. */
  shellCall?(method: string, params: unknown): Promise<Envelope<unknown>>;
  /** A listener of an event threw: reported here, and the other listeners still run. */
  onListenerError?(error: unknown): void;
}

export interface ContractClient {
  /** Exactly what window.crisisDesk exposes. */
  client: CrisisDeskClient;
  /** The link is up: calls that wait are sent over it. */
  linked(link: ContractLink): void;
  /** The link was lost: calls already sent are answered core_unreachable; the others wait for the next. */
  unlinked(): void;
  /** A message that arrived over the link (decoded): an answer, or an event of the core. */
  receive(message: unknown): void;
  /** An event of the shell (`app.*`), which only the shell may send. */
  shellEvent(event: EventName, payload: unknown): void;
  /** No link will come again: every call that waits is answered, and new ones at once. */
  close(): void;
}

export const CORE_NOT_CONNECTED =
  'Crisis Desk cannot reach its core on this computer. What you typed stays on this screen and is saved as soon as the core is back.';
export const CORE_DROPPED =
  'The desk’s core went away before it answered. What you typed stays on this screen and is saved again when the core is back.';
export const CORE_NO_ANSWER = 'The desk’s core did not answer in time. What you typed stays on this screen; it will be tried again.';

export function coreUnreachable(message: string): { ok: false; error: ContractError } {
  return { ok: false, error: { code: 'core_unreachable', message } };
}

interface Pending {
  id: number;
  method: string;
  params: unknown;
  sent: boolean;
  timer: unknown;
  resolve: (envelope: Envelope<unknown>) => void;
}

function isWireMessage(m: unknown): m is WireMessage {
  return typeof m === 'object' && m !== null && typeof (m as { kind?: unknown }).kind === 'string';
}

export function createContractClient(options: ContractClientOptions): ContractClient {
  const { timers } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? 8000;
  const answerTimeoutMs = options.answerTimeoutMs ?? 30_000;
  let link: ContractLink | null = null;
  let closed = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  const settle = (p: Pending, envelope: Envelope<unknown>) => {
    timers.clear(p.timer);
    pending.delete(p.id);
    p.resolve(envelope);
  };

  const send = (p: Pending) => {
    if (!link) return;
    try {
      if (!link.send({ kind: 'call', id: p.id, method: p.method, params: p.params })) return;
    } catch {
      return settle(p, coreUnreachable(CORE_DROPPED));
    }
    p.sent = true;
    timers.clear(p.timer);
    p.timer = timers.set(() => settle(p, coreUnreachable(CORE_NO_ANSWER)), answerTimeoutMs);
  };

  const emit = (event: EventName, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) {
      try {
        l(payload);
      } catch (e) {
        options.onListenerError?.(e);
      }
    }
  };

  const callCore = (method: string, params: unknown): Promise<Envelope<unknown>> =>
    new Promise((resolve) => {
      if (closed) return resolve(coreUnreachable(CORE_NOT_CONNECTED));
      const p: Pending = { id: nextId++, method, params, sent: false, resolve, timer: null };
      p.timer = timers.set(() => settle(p, coreUnreachable(CORE_NOT_CONNECTED)), connectTimeoutMs);
      pending.set(p.id, p);
      send(p);
    });

  const client: CrisisDeskClient = {
    call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<Envelope<ResultOf<M>>> {
      const answer = options.shellCall && isShellMethod(method) ? options.shellCall(method, params).catch(() => coreUnreachable(CORE_NOT_CONNECTED)) : callCore(method, params);
      return answer as Promise<Envelope<ResultOf<M>>>;
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
    linked(next) {
      if (closed) return;
      link = next;
      for (const p of [...pending.values()]) if (!p.sent) send(p);
    },
    unlinked() {
      link = null;
      for (const p of [...pending.values()]) if (p.sent) settle(p, coreUnreachable(CORE_DROPPED));
    },
    receive(m) {
      if (!isWireMessage(m)) return;
      if (m.kind === 'result') {
        const p = pending.get(m.id);
        if (p) settle(p, m.envelope);
      } else if (m.kind === 'event' && typeof m.event === 'string' && !isShellEvent(m.event)) {
        // `app.*` events are the shell's (the lock): the core cannot send them, so it cannot unlock.
        emit(m.event, m.payload);
      }
    },
    shellEvent(event, payload) {
      if (isShellEvent(event)) emit(event, payload);
    },
    close() {
      closed = true;
      link = null;
      for (const p of [...pending.values()]) settle(p, coreUnreachable(CORE_NOT_CONNECTED));
    },
  };
}
