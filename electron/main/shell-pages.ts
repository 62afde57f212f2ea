import { timingSafeEqual } from 'node:crypto';
import { appHeaders, originOf, SHELL_ORIGIN } from './app-protocol';

/*
 * The shell's own screens, shown in a view that covers the clinician's screen: the lock, choosing
 * a passcode, and the fatal screen when the core cannot run. They are plain HTML forms with no
 * script at all, served from app://shell and posting back to it; main answers each post and shows
 * the next page. Nothing here needs IPC, and the screen underneath cannot reach these pages
 * (another origin, its CSP forbids forms and fetches, and each form carries a per-launch token).
 */

export type ShellView =
  | { page: 'none' }
  | { page: 'lock'; reason: 'idle' | 'manual' | 'system' | 'startup'; message: string | null; retryAt: number | null; signingIn: boolean; signInAvailable: boolean }
  | { page: 'set-passcode'; message: string | null; ownerName?: string | null }
  | { page: 'starting' }
  | { page: 'restarting'; message: string; inMs: number; attempt: number }
  | { page: 'failed'; message: string; canReset: boolean; unsyncedWarning: string | null; canRetry: boolean }
  /** Refused before anything started (the policy file, no keyring): only quitting helps. */
  | { page: 'refused'; title: string; message: string };

export interface ShellActions {
  unlock(passcode: string): Promise<void>;
  signIn(): void;
  choosePasscode(passcode: string, confirmation: string): Promise<void>;
  retry(): void;
  /** Only with the clinician's explicit agreement to the warning. */
  resetDesk(): Promise<void>;
  quit(): void;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const SHELL_STYLE = `
:root { font-family: Frutiger, Arial, sans-serif; color: #212b32; background: #f0f4f5; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; }
main { background: #fff; max-width: 36rem; padding: 2rem 2.5rem; border-top: 6px solid #005eb8; box-shadow: 0 2px 8px rgb(0 0 0 / 0.15); }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
p { line-height: 1.5; }
label { display: block; font-weight: bold; margin: 1rem 0 0.25rem; }
input[type=password] { font-size: 1.2rem; padding: 0.4rem; width: 100%; box-sizing: border-box; border: 2px solid #4c6272; }
input:focus, button:focus { outline: 3px solid #ffeb3b; outline-offset: 0; box-shadow: 0 4px 0 #212b32; }
button { font-size: 1.1rem; margin: 1.25rem 0.75rem 0 0; padding: 0.6rem 1.2rem; border: 0; border-radius: 4px; background: #007f3b; color: #fff; cursor: pointer; }
button.secondary { background: #4c6272; }
button.warning { background: #d5281b; }
.message { border-left: 6px solid #d5281b; padding: 0.5rem 1rem; background: #fdf2f1; }
.warning-text { border-left: 6px solid #ffb81c; padding: 0.5rem 1rem; background: #fff9e6; }
form.inline { display: inline; }
`;

function layout(title: string, body: string, refreshSeconds?: number): string {
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">${refresh}<title>${escape(title)} – Crisis Desk</title><link rel="stylesheet" href="${SHELL_ORIGIN}/style.css"></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function form(csrf: string, action: string, inner: string, cls = ''): string {
  return `<form method="post" action="${SHELL_ORIGIN}/${action}"${cls ? ` class="${cls}"` : ''}><input type="hidden" name="csrf" value="${escape(csrf)}">${inner}</form>`;
}

const message = (m: string | null) => (m ? `<p class="message" role="alert">${escape(m)}</p>` : '');

const LOCK_REASONS: Record<string, string> = {
  idle: 'Crisis Desk locked itself because nobody used the computer for a while.',
  manual: 'Crisis Desk is locked.',
  system: 'Crisis Desk locked when the computer was locked or went to sleep.',
  startup: 'Unlock Crisis Desk to carry on.',
};

/** The page for a view; times are shown in UK time. */
export function renderShellPage(view: ShellView, csrf: string, now: number = Date.now()): string {
  switch (view.page) {
    case 'none':
      return layout('Crisis Desk', '<p>Unlocked.</p>');
    case 'lock': {
      const waiting = view.retryAt !== null && view.retryAt > now;
      const until = waiting ? new Date(view.retryAt!).toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
      const passcode = waiting
        ? `<p class="message" role="alert">Too many wrong passcodes: you can try again at ${escape(until)}, or sign in again now.</p>`
        : form(csrf, 'unlock', `<label for="passcode">Passcode</label><input id="passcode" name="passcode" type="password" autocomplete="current-password" required autofocus maxlength="128"><button type="submit">Unlock</button>`);
      const signIn = view.signInAvailable
        ? form(csrf, 'sign-in', view.signingIn ? '<p>Finish signing in in your web browser, then come back here.</p><button type="submit" class="secondary">Open the sign-in page again</button>' : '<button type="submit" class="secondary">Sign in again instead</button>')
        : '';
      return layout('Crisis Desk is locked', `<p>${escape(LOCK_REASONS[view.reason] ?? LOCK_REASONS.manual!)} Patient information is hidden until you unlock.</p>${message(view.message)}${passcode}${signIn}`, waiting ? 10 : undefined);
    }
    case 'set-passcode':
      return layout(
        view.ownerName ? `${view.ownerName}, choose your passcode for this desk` : 'Choose a passcode for this desk',
        `<p>Crisis Desk locks when the computer is left alone. Choose a passcode to unlock it on this desk: at least 6 characters, and not one you use elsewhere. Only your passcode, or signing in again as you, unlocks it.</p>${message(view.message)}` +
          form(csrf, 'passcode', `<label for="passcode">New passcode</label><input id="passcode" name="passcode" type="password" autocomplete="new-password" required autofocus minlength="6" maxlength="128"><label for="confirmation">Type it again</label><input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required minlength="6" maxlength="128"><button type="submit">Save passcode</button>`),
      );
    case 'starting':
      return layout('Crisis Desk is starting', '<p>Opening this desk’s records…</p>', 2);
    case 'restarting':
      return layout(
        'Crisis Desk is restarting part of itself',
        `<p>${escape(view.message)}</p><p>Trying again in ${Math.max(1, Math.round(view.inMs / 1000))} second${view.inMs > 1500 ? 's' : ''} (attempt ${view.attempt}). You do not need to do anything.</p>` +
          form(csrf, 'retry', '<button type="submit" class="secondary">Try now</button>'),
        Math.max(1, Math.ceil(view.inMs / 1000)),
      );
    case 'failed': {
      const reset = view.canReset
        ? `<h2>Start this desk again</h2><p>Crisis Desk can set the unreadable records aside (they are kept for IT, not deleted) and start a new desk that downloads the directory and this desk’s synced records from the server again.</p>` +
          `<p class="warning-text"><strong>Before you do:</strong> ${escape(view.unsyncedWarning ?? 'Crisis Desk does not know whether every record reached the server.')}</p>` +
          form(csrf, 'reset', `<label><input type="checkbox" name="understood" value="yes" required> I understand that records not yet synced will not be readable on this desk</label><button type="submit" class="warning">Reset this desk and re-sync</button>`)
        : '';
      const retry = view.canRetry ? form(csrf, 'retry', '<button type="submit">Try again</button>', 'inline') : '';
      return layout('Crisis Desk cannot open this desk’s records', `${message(view.message)}<p>If this keeps happening, call your IT service desk and tell them the message above. Use the paper fallback for calls in the meantime.</p>${retry}${form(csrf, 'quit', '<button type="submit" class="secondary">Quit Crisis Desk</button>', 'inline')}${reset}`);
    }
    case 'refused':
      return layout(view.title, `${message(view.message)}${form(csrf, 'quit', '<button type="submit" class="secondary">Quit Crisis Desk</button>')}`);
  }
}

function sameToken(a: string | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const MAX_FORM_BYTES = 4096;

function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { ...appHeaders('shell'), 'content-type': 'text/html; charset=utf-8' } });
}

/** Answers app://shell/…: the current page, its stylesheet, and the forms' posts (then back to the page). */
export async function handleShellRequest(
  request: { url: string; method: string; text(): Promise<string> },
  ctx: { view(): ShellView; csrf: string; actions: ShellActions; now?: () => number },
): Promise<Response> {
  const url = new URL(request.url);
  if (originOf(url) !== SHELL_ORIGIN) return html(404, 'Not found');
  if (request.method === 'GET' && url.pathname === '/style.css') {
    return new Response(SHELL_STYLE, { headers: { ...appHeaders('shell'), 'content-type': 'text/css; charset=utf-8' } });
  }
  if (request.method === 'GET' && url.pathname === '/') return html(200, renderShellPage(ctx.view(), ctx.csrf, ctx.now?.()));
  if (request.method !== 'POST') return html(404, 'Not found');
  const body = await request.text();
  if (body.length > MAX_FORM_BYTES) return html(413, 'Too large');
  const fields = new URLSearchParams(body);
  if (!sameToken(fields.get('csrf'), ctx.csrf)) return html(403, 'Refused');
  const view = ctx.view();
  const field = (name: string) => fields.get(name) ?? '';
  switch (url.pathname) {
    case '/unlock':
      if (view.page === 'lock') await ctx.actions.unlock(field('passcode'));
      break;
    case '/sign-in':
      if (view.page === 'lock') ctx.actions.signIn();
      break;
    case '/passcode':
      if (view.page === 'set-passcode') await ctx.actions.choosePasscode(field('passcode'), field('confirmation'));
      break;
    case '/retry':
      if (view.page === 'failed' || view.page === 'restarting') ctx.actions.retry();
      break;
    case '/reset':
      if (view.page === 'failed' && view.canReset && field('understood') === 'yes') await ctx.actions.resetDesk();
      break;
    case '/quit':
      ctx.actions.quit();
      break;
    default:
      return html(404, 'Not found');
  }
  return new Response(null, { status: 303, headers: { ...appHeaders('shell'), location: `${SHELL_ORIGIN}/` } });
}
