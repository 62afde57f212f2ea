import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * The redirect of a native app's sign-in (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1
 * (never `localhost`, §8.3) on a port the system picks, at a path nobody can guess. It takes the
 * first request to that path that names this host, answers the browser with a page saying where
 * to go next, and closes. Nothing else is served.
 */

export interface LoopbackRedirect {
  redirectUri: string;
  /** The full callback URL the browser came back to. Rejects on timeout or close. */
  callback: Promise<URL>;
  close(): void;
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  res.end(`<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>${title} – Crisis Desk</title><main><h1>${title}</h1><p>${text}</p></main></html>`);
}

export async function startLoopbackRedirect(timeoutMs: number): Promise<LoopbackRedirect> {
  const path = `/callback/${randomBytes(16).toString('hex')}`;
  let settle: { resolve: (u: URL) => void; reject: (e: Error) => void } | null = null;
  const callback = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  callback.catch(() => {});
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const port = (server.address() as AddressInfo).port;
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (req.method !== 'GET' || req.headers.host !== `127.0.0.1:${port}` || url.pathname !== path || !settle) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return;
    }
    const failed = url.searchParams.get('error');
    if (failed) page(res, 400, 'Sign-in did not finish', 'Go back to Crisis Desk to try again. Everything you typed is still there.');
    else page(res, 200, 'Signed in', 'You can close this tab and go back to Crisis Desk.');
    const s = settle;
    settle = null;
    s.resolve(url);
    res.once('close', finish);
  });
  const timer = setTimeout(() => {
    settle?.reject(new Error('The sign-in was not finished in time. Start it again from Crisis Desk.'));
    settle = null;
    finish();
  }, timeoutMs);
  timer.unref?.();
  function finish(): void {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections?.();
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://127.0.0.1:${port}${path}`,
    callback,
    close() {
      settle?.reject(new Error('The sign-in was cancelled.'));
      settle = null;
      finish();
    },
  };
}
