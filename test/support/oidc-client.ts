import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/*
 * A client that signs in the way the desk does (RFC 8252): PKCE, the sign-in page in "the browser",
 * and a loopback listener on 127.0.0.1 that receives the redirect with the code.
 */

export const DESK_CLIENT = 'crisis-desk';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The desk's side of the redirect: an HTTP listener on 127.0.0.1 that records what it is sent. */
export interface LoopbackReceiver {
  redirectUri: string;
  received: URLSearchParams[];
  close(): Promise<void>;
}

export async function startLoopbackReceiver(path = '/callback'): Promise<LoopbackReceiver> {
  const received: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    received.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in: you can close this window.');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    redirectUri: `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface AuthorizeParams {
  clientId?: string;
  redirectUri: string;
  challenge?: string;
  method?: string;
  state?: string;
  nonce?: string;
  scope?: string;
}

export function authorizeUrl(server: string, p: AuthorizeParams): string {
  const url = new URL('/oidc/authorize', server);
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: p.clientId ?? DESK_CLIENT,
    redirect_uri: p.redirectUri,
    scope: p.scope ?? 'openid profile offline_access',
    state: p.state,
    nonce: p.nonce,
    code_challenge: p.challenge,
    code_challenge_method: p.method ?? 'S256',
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const unescapeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The hidden fields of the sign-in page's form, as a browser would post them. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return fields;
}

export interface SignInOutcome {
  /** The sign-in page's answer to the post (after following redirects). */
  status: number;
  html: string;
  /** What the loopback listener received, when the browser was sent back to it. */
  callback: URLSearchParams | null;
}

/** Opens the sign-in page, posts its form with the credentials, and follows the redirect to the loopback listener. */
export async function signIn(server: string, receiver: LoopbackReceiver, p: AuthorizeParams & { username: string; password: string }): Promise<SignInOutcome> {
  const pageUrl = authorizeUrl(server, p);
  const page = await fetch(pageUrl, { headers: { accept: 'text/html' }, redirect: 'manual' });
  if (page.status !== 200) throw new Error(`The sign-in page answered ${page.status}: ${await page.text()}`);
  const form = new URLSearchParams({ ...hiddenFields(await page.text()), username: p.username, password: p.password });
  const before = receiver.received.length;
  const answer = await fetch(new URL('authorize', pageUrl), { method: 'POST', headers: { accept: 'text/html' }, body: form, redirect: 'follow' });
  const html = await answer.text();
  return { status: answer.status, html, callback: receiver.received.length > before ? receiver.received.at(-1)! : null };
}

export async function postForm(server: string, path: string, form: Record<string, string | undefined>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) body.set(k, v);
  const r = await fetch(new URL(path, server), { method: 'POST', body });
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

/** Signs in and exchanges the code: the whole desk sign-in, for tests that need a session. */
export async function obtainTokens(server: string, receiver: LoopbackReceiver, username: string, password: string): Promise<Tokens> {
  const pkce = newPkce();
  const outcome = await signIn(server, receiver, { redirectUri: receiver.redirectUri, challenge: pkce.challenge, state: randomBytes(8).toString('hex'), username, password });
  const code = outcome.callback?.get('code');
  if (!code) throw new Error(`Sign-in gave no code (status ${outcome.status})`);
  const r = await postForm(server, '/oidc/token', { grant_type: 'authorization_code', code, redirect_uri: receiver.redirectUri, client_id: DESK_CLIENT, code_verifier: pkce.verifier });
  if (r.status !== 200) throw new Error(`The token endpoint answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as unknown as Tokens;
}
