import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignInRefused, type OidcSession } from './oidc-session';

const PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function page(res: ServerResponse, status: number, title: string, message: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': PAGE_CSP,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  res.end(`<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>${escape(title)} – Crisis Desk</title>
<main><h1>${escape(title)}</h1><p>${escape(message)}</p><p><a href="/">Back to Crisis Desk</a></p></main></html>`);
}

/**
 * /auth/start sends the browser to the identity provider; /auth/callback finishes the sign-in. Both
 * are top-level navigations with no tab session (request-guard.ts): /auth/start takes the one-time
 * ticket the screen was given over its contract, and /auth/callback is bound to the sign-in it ends
 * by its state (OidcSession), whichever site the provider sends the browser back from.
 */
export function signInRoutes(session: OidcSession) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    if (url.pathname === '/auth/start') {
      try {
        res.writeHead(302, { location: await session.authorizationUrl(url.searchParams.get('ticket')), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
        res.end();
      } catch (e) {
        if (e instanceof SignInRefused) page(res, 403, 'This sign-in link does not work', e.message);
        else page(res, 503, 'Cannot reach the sign-in service', 'The server is not answering just now. Carry on working: everything is saved on this desk. Try signing in again later.');
      }
      return true;
    }
    if (url.pathname === '/auth/callback') {
      if (url.searchParams.get('error')) {
        page(res, 400, 'Sign-in did not finish', `The sign-in service said: ${url.searchParams.get('error_description') ?? url.searchParams.get('error')}.`);
        return true;
      }
      try {
        await session.completeSignIn(url);
        page(res, 200, 'Signed in', 'Crisis Desk is syncing again. You can close this tab.');
      } catch (e) {
        page(res, 400, 'Sign-in did not finish', (e as Error).message);
      }
      return true;
    }
    return false;
  };
}
