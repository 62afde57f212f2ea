import { EventEmitter } from 'node:events';
import type { Hint, HintBus } from '../app';

/** Hints within one server process (one API node, or tests). */
export function createLocalHintBus(): HintBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async notify(trustId, hint) {
      emitter.emit(trustId, hint);
    },
    subscribe(trustId, listener: (hint: Hint) => void) {
      emitter.on(trustId, listener);
      return () => emitter.off(trustId, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
