import { describe, expect, it, vi } from 'vitest';
import { SHELL_CSP } from './app-protocol';
import { handleShellRequest, renderShellPage, type ShellActions, type ShellView } from './shell-pages';

const CSRF = 'token-123';

function ctx(view: ShellView) {
  const actions: ShellActions = {
    unlock: vi.fn(async () => {}),
    signIn: vi.fn(),
    choosePasscode: vi.fn(async () => {}),
    retry: vi.fn(),
    resetDesk: vi.fn(async () => {}),
    quit: vi.fn(),
  };
  return { view: () => view, csrf: CSRF, actions };
}

const post = (path: string, fields: Record<string, string>) => ({ url: `app://shell${path}`, method: 'POST', text: async () => new URLSearchParams(fields).toString() });
const get = (path: string) => ({ url: `app://shell${path}`, method: 'GET', text: async () => '' });

const lockView: ShellView = { page: 'lock', reason: 'idle', message: null, retryAt: null, signingIn: false, signInAvailable: true };

describe('the shell pages', () => {
  it('have no script and a CSP that allows none', async () => {
    const res = await handleShellRequest(get('/'), ctx(lockView));
    expect(res.headers.get('content-security-policy')).toBe(SHELL_CSP);
    expect(SHELL_CSP).not.toContain('script-src');
    expect(SHELL_CSP).toContain("default-src 'none'");
    const body = await res.text();
    expect(body).not.toMatch(/<script|on\w+=|style=/i);
    expect(body).toContain('Crisis Desk is locked');
    expect(body).toContain(`name="csrf" value="${CSRF}"`);
  });

  it('unlock with the passcode posted, only with the launch token', async () => {
    const c = ctx(lockView);
    const ok = await handleShellRequest(post('/unlock', { csrf: CSRF, passcode: 'harbour-7' }), c);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('app://shell/');
    expect(c.actions.unlock).toHaveBeenCalledWith('harbour-7');
    const forged = await handleShellRequest(post('/unlock', { csrf: 'guess', passcode: 'x' }), c);
    expect(forged.status).toBe(403);
    expect(c.actions.unlock).toHaveBeenCalledOnce();
  });

  it('do only what the page on show offers', async () => {
    const c = ctx(lockView);
    await handleShellRequest(post('/reset', { csrf: CSRF, understood: 'yes' }), c);
    await handleShellRequest(post('/passcode', { csrf: CSRF, passcode: 'a', confirmation: 'a' }), c);
    expect(c.actions.resetDesk).not.toHaveBeenCalled();
    expect(c.actions.choosePasscode).not.toHaveBeenCalled();
    await handleShellRequest(post('/sign-in', { csrf: CSRF }), c);
    expect(c.actions.signIn).toHaveBeenCalledOnce();
  });

  it('reset the desk only when it is offered and the warning was acknowledged', async () => {
    const failed: ShellView = { page: 'failed', message: 'Cannot unlock the key.', canReset: true, unsyncedWarning: '3 changes had not yet reached the server.', canRetry: true };
    const c = ctx(failed);
    const page = renderShellPage(failed, CSRF);
    expect(page).toContain('3 changes had not yet reached the server.');
    expect(page).toContain('required');
    await handleShellRequest(post('/reset', { csrf: CSRF }), c);
    expect(c.actions.resetDesk).not.toHaveBeenCalled();
    await handleShellRequest(post('/reset', { csrf: CSRF, understood: 'yes' }), c);
    expect(c.actions.resetDesk).toHaveBeenCalledOnce();
    const noReset = ctx({ ...failed, canReset: false });
    await handleShellRequest(post('/reset', { csrf: CSRF, understood: 'yes' }), noReset);
    expect(noReset.actions.resetDesk).not.toHaveBeenCalled();
    expect(renderShellPage({ ...failed, canReset: false }, CSRF)).not.toContain('Reset this desk');
  });

  it('show the restart in progress and what to do when it failed', () => {
    expect(renderShellPage({ page: 'restarting', message: 'It stopped.', inMs: 2000, attempt: 2 }, CSRF)).toMatch(/Trying again in 2 seconds \(attempt 2\)/);
    const failed = renderShellPage({ page: 'failed', message: 'Stopped <again>.', canReset: false, unsyncedWarning: null, canRetry: true }, CSRF);
    expect(failed).toContain('Stopped &#60;again&#62;.');
    expect(failed).toMatch(/IT service desk/);
    expect(failed).toContain('Try again');
  });

  it('say when wrong passcodes must wait', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    const page = renderShellPage({ ...lockView, retryAt: now + 60_000 } as ShellView, CSRF, now);
    expect(page).toContain('13:01:00');
    expect(page).not.toContain('name="passcode"');
    expect(page).toContain('Sign in again instead');
  });

  it('refuse oversized or unknown posts and other origins', async () => {
    const c = ctx(lockView);
    expect((await handleShellRequest({ ...post('/unlock', {}), text: async () => 'x'.repeat(5000) }, c)).status).toBe(413);
    expect((await handleShellRequest(post('/delete', { csrf: CSRF }), c)).status).toBe(404);
    expect((await handleShellRequest({ url: 'app://desk/unlock', method: 'GET', text: async () => '' }, c)).status).toBe(404);
    expect((await handleShellRequest(get('/style.css'), c)).headers.get('content-type')).toContain('text/css');
  });
});
