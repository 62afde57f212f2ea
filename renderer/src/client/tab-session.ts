/*
 * The browser host's way in for this tab (electron/host/host-access.ts). Crisis Desk prints an
 * address with a one-time code; the screen exchanges it, from its own origin, for a tab session,
 * and keeps that in sessionStorage: this tab's and this origin's only (port included), never sent
 * by the browser on its own as a cookie would be (to every port of 127.0.0.1). The session goes to
 * the host explicitly: in the WebSocket's protocol list, or the X-Crisis-Desk-Session header.
 * A reload keeps it; a closed tab loses it, and a fresh address (Enter in ./desk start's terminal,
 * or ./desk open) opens a new one. Nothing else is kept in the browser.
 */

export const TAB_SESSION_KEY = 'crisis-desk.tab-session';
export const SESSION_HEADER = 'X-Crisis-Desk-Session';
export const CONTRACT_PROTOCOL = 'crisis-desk';
const SESSION_PROTOCOL_PREFIX = 'crisis-desk.session.';

export type TabAccess =
  | { kind: 'ready'; session: string }
  /** This tab cannot reach the desk: why, for the page that says how to get a fresh address. */
  | { kind: 'needs_address'; reason: 'no_session' | 'code_refused' | 'session_ended' | 'unreachable'; message: string | null };

interface TabWindow {
  location: { href: string };
  sessionStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  history: Pick<History, 'replaceState'>;
}

/** The WebSocket protocols that carry this tab's session to the host. */
export function contractProtocols(session: string): string[] {
  return [CONTRACT_PROTOCOL, `${SESSION_PROTOCOL_PREFIX}${session}`];
}

function storedSession(win: TabWindow): string | null {
  try {
    return win.sessionStorage.getItem(TAB_SESSION_KEY);
  } catch {
    return null;
  }
}

/**
 * This tab's session: from the code in the address (exchanged once, then taken out of the address
 * so a reload does not offer it again), or the one this tab already holds.
 */
export async function openTabSession(win: TabWindow, fetchImpl: typeof fetch = fetch): Promise<TabAccess> {
  const url = new URL(win.location.href);
  const code = url.searchParams.get('code');
  const held = storedSession(win);
  if (code !== null) {
    url.searchParams.delete('code');
    win.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
    let r: Response;
    try {
      r = await fetchImpl('/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }), credentials: 'omit', cache: 'no-store' });
    } catch {
      return { kind: 'needs_address', reason: 'unreachable', message: null };
    }
    const body = (await r.json().catch(() => ({}))) as { session?: unknown; message?: unknown };
    if (r.ok && typeof body.session === 'string') {
      try {
        win.sessionStorage.setItem(TAB_SESSION_KEY, body.session);
      } catch {
        // Storage refused (a private window's quota): this tab still works until it is reloaded.
      }
      return { kind: 'ready', session: body.session };
    }
    // A used code in a tab that already has its session (the address opened again in it) changes nothing.
    if (held) return { kind: 'ready', session: held };
    return { kind: 'needs_address', reason: 'code_refused', message: typeof body.message === 'string' ? body.message : null };
  }
  if (!held) return { kind: 'needs_address', reason: 'no_session', message: null };
  // A reload: the session this tab holds, unless the host (which just served this page) no longer takes it.
  if ((await sessionHolds(held, fetchImpl)) === false) {
    forgetTabSession(win);
    return { kind: 'needs_address', reason: 'session_ended', message: null };
  }
  return { kind: 'ready', session: held };
}

/** Asks the host whether this tab's session still holds: true, false (it ended), or null (no answer: the host is down). */
export async function sessionHolds(session: string, fetchImpl: typeof fetch = fetch): Promise<boolean | null> {
  try {
    const r = await fetchImpl('/session', { headers: { [SESSION_HEADER]: session }, credentials: 'omit', cache: 'no-store' });
    if (r.status === 401) return false;
    return r.ok ? true : null;
  } catch {
    return null;
  }
}

/** The session ended (the desk's data was set up afresh, or it moved to another port): forgotten here. */
export function forgetTabSession(win: Pick<TabWindow, 'sessionStorage'>): void {
  try {
    win.sessionStorage.removeItem(TAB_SESSION_KEY);
  } catch {
    // nothing to forget
  }
}
