/*
 * The preload of the clinician's screen (sandboxed, context-isolated). It exposes exactly one thing,
 * window.crisisDesk = { call, on } (shared/contract), and never ipcRenderer, a port or any Electron
 * object: the MessagePort to the core stays in this isolated world.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { CrisisDeskClient, Envelope, EventName } from '../../shared/contract';
// Straight from their files, not the contract's index: that would bundle every method's schema (zod) into the preload.
import { SCREEN_CHANNELS } from '../../shared/contract/channels';
import { createPortClient, type PortLike } from './port-client';

const desk = createPortClient({
  shellCall: (method, params) => ipcRenderer.invoke(SCREEN_CHANNELS.shell, method, params) as Promise<Envelope<unknown>>,
});

ipcRenderer.on(SCREEN_CHANNELS.port, (event) => {
  const port = (event as unknown as { ports?: PortLike[] }).ports?.[0];
  if (port) desk.attach(port);
});
ipcRenderer.on(SCREEN_CHANNELS.coreDown, () => desk.detach());
ipcRenderer.on(SCREEN_CHANNELS.event, (_event, name: unknown, payload: unknown) => {
  if (typeof name === 'string') desk.emit(name as EventName, payload);
});

const api: CrisisDeskClient = {
  call: (method, params) => desk.client.call(method, params),
  on: (event, listener) => desk.client.on(event, listener),
};
contextBridge.exposeInMainWorld('crisisDesk', api);
ipcRenderer.send(SCREEN_CHANNELS.hello);
