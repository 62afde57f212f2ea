/*
 * The core as a process of its own: an Electron utilityProcess (process.parentPort) or a Node child
 * started with an IPC channel (the tests and tools). The parent's first message configures it:
 *   { kind: 'init', dataDir, geoDir, deskKeyHex, appVersion? }  →  { kind: 'ready', clientId } | { kind: 'fatal', error }
 * The key arrives by message so it never appears in argv or the environment.
 */
import type { CoreLifecycleMessage } from '../../shared/contract';
import { toContractError } from './dispatch';
import { Core } from './core';
import { ParentTokenSource } from './transport/parent-token-source';
import { serveChannel, type Channel } from './transport/serve-channel';


interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function parentChannel(): Channel {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return { send: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) };
  }
  if (process.send) {
    return { send: (m) => process.send!(m), onMessage: (l) => process.on('message', l) };
  }
  throw new Error('The core must be started by Electron (utilityProcess) or with an IPC channel (child_process.fork).');
}

function syncTuning(t: Extract<CoreLifecycleMessage, { kind: 'init' }>['syncTuning']) {
  if (!t) return {};
  const backoff = t.backoffBaseMs && t.backoffCapMs ? { baseMs: t.backoffBaseMs, capMs: t.backoffCapMs } : undefined;
  return { timeoutMs: t.timeoutMs, idleTimeoutMs: t.idleTimeoutMs, watchdogMs: t.watchdogMs, backoff };
}

const channel = parentChannel();
let started = false;
channel.onMessage((message) => {
  const init = message as Partial<Extract<CoreLifecycleMessage, { kind: 'init' }>>;
  if (started || init?.kind !== 'init') return;
  started = true;
  try {
    const tokens = init.serverUrl ? new ParentTokenSource((m) => channel.send(m)) : null;
    if (tokens) channel.onMessage((m) => tokens.receive(m as CoreLifecycleMessage));
    const core = Core.open({
      dataDir: String(init.dataDir),
      geoDir: String(init.geoDir),
      deskKey: Buffer.from(String(init.deskKeyHex), 'hex'),
      appVersion: init.appVersion,
      sync: init.serverUrl && tokens ? { serverUrl: init.serverUrl, tokens, ...syncTuning(init.syncTuning) } : undefined,
    });
    serveChannel(core, channel);
    channel.send({ kind: 'ready', clientId: core.desk.clientId });
    const shutdown = () => {
      core.close();
      process.exit(0);
    };
    process.on('SIGTERM', shutdown);
    process.on('disconnect', shutdown);
  } catch (e) {
    channel.send({ kind: 'fatal', error: toContractError(e) });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 50);
  }
});
