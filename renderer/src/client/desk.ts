import type { CrisisDeskClient } from '../../../shared/contract';
import { contractUrl, createWebSocketClient, type ConnectedClient, type ConnectionState } from './ws-client';

/*
 * The one way the screen reaches the core. Electron's preload puts a client on window.crisisDesk;
 * in a plain browser (the browser host) there is none, so one backed by the host's WebSocket is
 * installed in its place. Tests hand in their own with setDeskClient.
 */

let client: CrisisDeskClient | null = null;

export function installDeskClient(win: Window = window): CrisisDeskClient {
  if (win.crisisDesk) {
    client = win.crisisDesk;
    return client;
  }
  const ws = createWebSocketClient({ url: contractUrl(win.location) });
  win.crisisDesk = ws;
  client = ws;
  return ws;
}

export function setDeskClient(c: CrisisDeskClient | null): void {
  client = c;
}

export function desk(): CrisisDeskClient {
  if (!client) throw new Error('The desk client is not installed (installDeskClient runs before the screen starts).');
  return client;
}

function isConnected(c: CrisisDeskClient): c is ConnectedClient {
  return typeof (c as Partial<ConnectedClient>).onConnection === 'function';
}

/** Connection state when the client has one (the WebSocket client); a MessagePort is always open. */
export function watchConnection(listener: (state: ConnectionState) => void): () => void {
  const c = desk();
  if (!isConnected(c)) {
    listener({ status: 'open', since: Date.now(), attempts: 0 });
    return () => {};
  }
  listener(c.connection());
  return c.onConnection(listener);
}

/**
 * The browser host (a WebSocket to the host) rather than the desktop app (a MessagePort from the
 * preload): files are downloaded there, where the desktop app asks where to save them.
 */
export function inBrowserHost(): boolean {
  return isConnected(desk());
}
