/*
 * The core as a process of its own: an Electron utilityProcess (process.parentPort) or a Node child
 * started with an IPC channel (the tests and tools). The parent's first message configures it:
 *   { kind: 'init', dataDir, geoDir, deskKeyHex, appVersion? }  →  { kind: 'ready', clientId } | { kind: 'fatal', error }
 * The key arrives by message so it never appears in argv or the environment.
 *
 * Under Electron the parent port carries only the lifecycle (init, tokens, sign-in, status counts);
 * the screen talks to the core directly over MessagePorts that main hands over with
 * { kind: 'connect' } — one per page load, each served until it closes. A Node child has no ports:
 * it serves the contract on its IPC channel, as the tests use it.
 */
import type { CoreLifecycleMessage, SyncStatus } from '../../shared/contract';
import { toContractError } from './dispatch';
import { Core } from './core';
import { syncOptionsOf } from './sync/sync-tuning';
import { ParentTokenSource } from './transport/parent-token-source';
import { serveChannel, type Channel } from './transport/serve-channel';


/** Electron's MessagePortMain, as far as the core uses it (the core never imports electron). */
interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports?: PortLike[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;

/** Ports handed over by Electron main, waiting for the core to be ready (or served at once after). */
const screenPorts: PortLike[] = [];
let servePort: ((port: PortLike) => void) | null = null;

function parentChannel(): Channel {
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (l) =>
        parentPort.on('message', (e) => {
          const m = e.data as Partial<CoreLifecycleMessage> | null;
          if (m?.kind === 'connect') {
            for (const port of e.ports ?? []) {
              if (servePort) servePort(port);
              else screenPorts.push(port);
            }
            return;
          }
          l(e.data);
        }),
    };
  }
  if (process.send) {
    return { send: (m) => process.send!(m), onMessage: (l) => process.on('message', l) };
  }
  throw new Error('The core must be started by Electron (utilityProcess) or with an IPC channel (child_process.fork).');
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
      sync: init.serverUrl && tokens ? { serverUrl: init.serverUrl, tokens, ...syncOptionsOf(init.syncTuning) } : undefined,
    });
    if (parentPort) {
      servePort = (port) => {
        const stop = serveChannel(core, { send: (m) => port.postMessage(m), onMessage: (l) => port.on('message', (e) => l(e.data)) });
        port.on('close', stop);
        port.start();
      };
      for (const port of screenPorts.splice(0)) servePort(port);
    } else {
      serveChannel(core, channel);
    }
    // Electron main hands over the place the person chose in the save dialog: the core checks and writes the export as it would for the screen.
    channel.onMessage((m) => {
      const request = m as Partial<Extract<CoreLifecycleMessage, { kind: 'export-to-path' }>> | null;
      if (request?.kind !== 'export-to-path' || typeof request.id !== 'number') return;
      void core.handle('summaries.export', request.params).then((envelope) => channel.send({ kind: 'export-result', id: request.id!, envelope } satisfies CoreLifecycleMessage));
    });
    const sendStatus = (s: SyncStatus) =>
      channel.send({ kind: 'status', waiting: s.waiting, conflicts: s.conflicts, rejected: s.rejected, lastSyncedAt: s.lastSyncedAt });
    core.on('sync.status', sendStatus);
    channel.send({ kind: 'ready', clientId: core.desk.clientId });
    if (core.sync) sendStatus(core.sync.status());
    core.warmUpWhenSearchesPause();
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
