import type { CoreLifecycleMessage, EventName, WireMessage } from '../../../shared/contract';
import type { Core } from '../core';

/** A bidirectional message pipe: a MessagePort, a WebSocket or a child process's IPC. */
export interface Channel {
  send(message: WireMessage | CoreLifecycleMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

const EVENTS: EventName[] = ['directory.updated', 'core.warning', 'sync.status', 'summaries.exportProgress', 'sync.recordsChanged'];

function isCall(m: unknown): m is Extract<WireMessage, { kind: 'call' }> {
  const c = m as Partial<Extract<WireMessage, { kind: 'call' }>> | null;
  return !!c && c.kind === 'call' && typeof c.id === 'number' && Number.isSafeInteger(c.id);
}

/**
 * Serves the contract over a channel: answers each call with its envelope (only after the
 * handler's transaction has committed) and forwards core events. Returns an unsubscribe function.
 */
export function serveChannel(core: Core, channel: Channel): () => void {
  const unsubscribers = EVENTS.map((event) => core.on(event, (payload) => channel.send({ kind: 'event', event, payload })));
  channel.onMessage((message) => {
    if (!isCall(message)) return;
    void core.handle(message.method, message.params).then((envelope) => channel.send({ kind: 'result', id: message.id, envelope }));
  });
  return () => unsubscribers.forEach((u) => u());
}
