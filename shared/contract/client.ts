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

/** Messages between the process that starts the core and the core process itself. */
export type CoreLifecycleMessage =
  | { kind: 'init'; dataDir: string; geoDir: string; deskKeyHex: string; appVersion?: string }
  | { kind: 'ready'; clientId: string }
  | { kind: 'fatal'; error: ContractError };
