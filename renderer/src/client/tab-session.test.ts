import { describe, expect, it, vi } from 'vitest';
import { contractProtocols, openTabSession, sessionHolds, TAB_SESSION_KEY } from './tab-session';

/** A tab: its address, its sessionStorage (this tab's and origin's only) and its history. */
function tab(href: string, stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored));
  const replaced: string[] = [];
  return {
    location: { href },
    sessionStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    },
    history: { replaceState: (_d: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) },
    storage,
    replaced,
  };
}

const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the tab’s way in to the browser host', () => {
  it('trades the code in its address for a session, keeps it for reloads, and takes the code out of the address', async () => {
    const t = tab('http://127.0.0.1:38047/?code=1.2.abc.def#x');
    const fetchImpl = vi.fn(async () => answer(200, { session: 'S.1' }));
    expect(await openTabSession(t, fetchImpl)).toEqual({ kind: 'ready', session: 'S.1' });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/session');
    expect(init).toMatchObject({ method: 'POST', credentials: 'omit' });
    expect(JSON.parse(String(init.body))).toEqual({ code: '1.2.abc.def' });
    expect(t.replaced).toEqual(['/#x']);
    expect(t.storage.get(TAB_SESSION_KEY)).toBe('S.1');
    expect(contractProtocols('S.1')).toEqual(['crisis-desk', 'crisis-desk.session.S.1']);
  });

  it('says why when there is no way in: no code, a used code, an ended session, a host that does not answer', async () => {
    expect(await openTabSession(tab('http://127.0.0.1:1/'), vi.fn())).toMatchObject({ kind: 'needs_address', reason: 'no_session' });
    const used = await openTabSession(tab('http://127.0.0.1:1/?code=x'), async () => answer(403, { error: 'code_refused', message: 'This address has been used already' }));
    expect(used).toEqual({ kind: 'needs_address', reason: 'code_refused', message: 'This address has been used already' });
    const ended = tab('http://127.0.0.1:1/', { [TAB_SESSION_KEY]: 'old' });
    expect(await openTabSession(ended, async () => answer(401, { error: 'no_session' }))).toMatchObject({ kind: 'needs_address', reason: 'session_ended' });
    expect(ended.storage.has(TAB_SESSION_KEY)).toBe(false);
    expect(await openTabSession(tab('http://127.0.0.1:1/?code=x'), async () => Promise.reject(new TypeError('Failed to fetch')))).toMatchObject({ reason: 'unreachable' });
  });

  it('a reload keeps the session; an address opened again in a tab that has one changes nothing', async () => {
    const t = tab('http://127.0.0.1:1/', { [TAB_SESSION_KEY]: 'S.2' });
    expect(await openTabSession(t, async () => answer(200, { ok: true }))).toEqual({ kind: 'ready', session: 'S.2' });
    const again = tab('http://127.0.0.1:1/?code=used', { [TAB_SESSION_KEY]: 'S.2' });
    expect(await openTabSession(again, async () => answer(403, { error: 'code_refused' }))).toEqual({ kind: 'ready', session: 'S.2' });
  });

  it('asks the host whether a session still holds: yes, no, or no answer', async () => {
    expect(await sessionHolds('S', async () => answer(200, { ok: true }))).toBe(true);
    expect(await sessionHolds('S', async () => answer(401, { error: 'no_session' }))).toBe(false);
    expect(await sessionHolds('S', async () => Promise.reject(new TypeError('down')))).toBeNull();
  });
});
