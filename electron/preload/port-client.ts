import type { CrisisDeskClient, Envelope, EventName } from '../../shared/contract';
// From its file, not the contract's index, which would bundle every method's schema (zod) into the preload.
import { createContractClient } from '../../shared/contract/contract-client';

/*
 * window.crisisDesk in the desktop app: the contract (shared/contract/contract-client.ts) over a
 * MessagePort straight to the core (main hands one over per page load, and a new one after the core
 * restarts), plus the shell's `app.*` methods and events through main.
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

export function createPortClient(options: PortClientOptions): PortClient {
  const contract = createContractClient({
    ...options,
    timers: { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
    onListenerError: (e) => console.error('crisisDesk event listener failed', e),
  });
  let port: PortLike | null = null;

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
    contract.unlinked();
  };

  return {
    client: contract.client,
    attach(next) {
      detach();
      port = next;
      next.onmessage = (ev) => contract.receive(ev.data);
      next.start();
      contract.linked({
        send: (message) => {
          next.postMessage(message);
          return true;
        },
      });
    },
    detach,
    emit: contract.shellEvent,
  };
}
