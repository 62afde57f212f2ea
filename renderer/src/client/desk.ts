import type { CrisisDeskClient } from '../../../shared/contract';
import { contractProtocols, sessionHolds } from './tab-session';
import { contractUrl, createWebSocketClient, type ConnectedClient, type ConnectionState } from './ws-client';

/*
 * The one way the screen reaches the core. Electron's preload puts a client on window.crisisDesk;
 * in a plain browser (the browser host) there is none, so one backed by the host's WebSocket is
 * installed in its place, carrying this tab's session (tab-session.ts). Tests hand in their own
 * with setDeskClient.
 */

let client: CrisisDeskClient | null = null;

/** Installs the client: Electron's, or the browser host's for this tab's session. */
export function installDeskClient(win: Window = window, session: string | null = null): CrisisDeskClient {
  if (win.crisisDesk) {
    client = win.crisisDesk;
    return client;
  }
  const ws = createWebSocketClient({ url: contractUrl(win.location), protocols: session ? contractProtocols(session) : undefined });
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
 * Tells `onEnded` when the host answers but no longer takes this tab's session (its data was set
 * up afresh, or it moved to another port): the WebSocket alone cannot tell that from a host that
 * is down, so the host is asked once each time the connection is lost.
 */
export function watchTabSession(session: string, onEnded: () => void, check: (session: string) => Promise<boolean | null> = sessionHolds): () => void {
  let asked = false;
  return watchConnection((state) => {
    if (state.status === 'open') asked = false;
    else if (state.status === 'reconnecting' && state.attempts >= 2 && !asked) {
      asked = true;
      void check(session).then((holds) => {
        if (holds === false) onEnded();
        else if (holds === null) asked = false; // down: ask again on a later attempt
      });
    }
  });
}
