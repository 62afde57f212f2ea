import type { CrisisDeskClient, HostDownload } from '../../../shared/contract';
import { contractProtocols, SESSION_HEADER, sessionHolds } from './tab-session';
import { contractUrl, createWebSocketClient, type ConnectedClient, type ConnectionState } from './ws-client';

/*
 * The one way the screen reaches the core. Electron's preload puts a client on window.crisisDesk;
 * in a plain browser (the browser host) there is none, so one backed by the host's WebSocket is
 * installed in its place, carrying this tab's session (tab-session.ts). Tests hand in their own
 * with setDeskClient.
 */

let client: CrisisDeskClient | null = null;
/** This tab's session with the browser host (null in the desktop app): sent only to the host, never as a cookie. */
let tabSession: string | null = null;

/** Installs the client: Electron's, or the browser host's for this tab's session. */
export function installDeskClient(win: Window = window, session: string | null = null): CrisisDeskClient {
  if (win.crisisDesk) {
    client = win.crisisDesk;
    return client;
  }
  tabSession = session;
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
 * The browser host (a WebSocket to the host) rather than the desktop app (a MessagePort from the
 * preload): files are downloaded there, where the desktop app asks where to save them.
 */
export function inBrowserHost(): boolean {
  return isConnected(desk());
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

/**
 * Downloads a file the browser host makes for this tab. The host makes it only for a request
 * carrying this tab's session in its header (no cookie, so no other page can ask), and answers a
 * one-time link to it, which the browser then downloads itself. A refusal or failure saves nothing
 * and says why, in the host's words.
 */
export async function downloadFromHost(url: string, fetchImpl: typeof fetch = fetch): Promise<{ ok: true; name: string } | { ok: false; message: string }> {
  let res: Response;
  let made: HostDownload;
  try {
    res = await fetchImpl(url, { headers: tabSession ? { [SESSION_HEADER]: tabSession } : {}, credentials: 'omit', cache: 'no-store' });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { message?: unknown } | null;
      return { ok: false, message: typeof body?.message === 'string' ? body.message : `The desk refused the export (${res.status}): no file was saved.` };
    }
    made = (await res.json()) as HostDownload;
  } catch {
    return { ok: false, message: 'The desk could not be reached: no file was saved. Try again when the status bar shows the desk running.' };
  }
  // The browser downloads the made file itself, from its one-time link: it never passes through
  // this tab's memory (export-routes.ts).
  const a = document.createElement('a');
  a.href = made.href;
  a.download = made.name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  return { ok: true, name: made.name };
}
