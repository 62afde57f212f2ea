import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Core } from '../../electron/core/core';
import { startBrowserHost, type BrowserHost } from '../../electron/host/browser-host';
import { OidcSession } from '../../electron/host/oidc-session';
import { signInRoutes } from '../../electron/host/sign-in-routes';
import { GEO_DIR } from './desk-harness';

/**
 * A desk on the browser host, as `./desk start` runs one, signing in with the host's OidcSession
 * where the server at `serverUrl` says (the screen a one-line page: the tests drive the contract and
 * the host's sign-in routes). `now` is the session's clock, for tokens' lives.
 */
export async function startSigningDesk(dir: string, serverUrl: string, now: () => number): Promise<{ session: OidcSession; core: Core; host: BrowserHost }> {
  mkdirSync(path.join(dir, 'renderer'), { recursive: true });
  writeFileSync(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>Crisis Desk</title>');
  let hostPort = 0;
  const session = new OidcSession(serverUrl, () => `http://127.0.0.1:${hostPort}/auth/callback`, now);
  const core = Core.open({ dataDir: path.join(dir, 'desk'), geoDir: GEO_DIR, deskKey: randomBytes(32), sync: { serverUrl, tokens: session, watchdogMs: 200 } });
  const host = await startBrowserHost({ core, rendererDir: path.join(dir, 'renderer'), signInRoutes: signInRoutes(session) });
  hostPort = host.port;
  return { session, core, host };
}
