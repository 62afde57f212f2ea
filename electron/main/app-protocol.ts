import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveInside } from '../node/resolve-inside';

/*
 * The app:// protocol. The screen is served from app://desk/ (the built renderer, never file://),
 * the shell's own pages (lock, passcode, fatal) from app://shell/. Both answer with a strict CSP
 * header; nothing else is reachable.
 */

export const APP_SCHEME = 'app';
export const RENDERER_ORIGIN = 'app://desk';
export const SHELL_ORIGIN = 'app://shell';
export const RENDERER_ENTRY = `${RENDERER_ORIGIN}/index.html`;

/**
 * The origin of an address as scheme://host. (Node's URL gives custom schemes a "null" origin;
 * Chromium gives a registered standard scheme a real one: this agrees with Chromium.)
 */
export function originOf(url: string | URL): string | null {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}

/** How app:// is registered before the app is ready: a standard, secure scheme; no CSP bypass, no service workers. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

/**
 * The response headers of app://desk (the screen) and app://shell (the shell's pages).
 * The screen's CSP: its own scripts and styles only, no inline code, no network at all (it talks
 * to the core over a MessagePort), no frames, no forms, no plugins. The shell's pages: no script
 * at all; forms post back to app://shell only. (Written out literally so that Electronegativity
 * can evaluate them.)
 */
export function appHeaders(kind: 'renderer' | 'shell'): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), bluetooth=()',
    'cache-control': 'no-store',
  };
  if (kind === 'renderer') {
    headers['content-security-policy'] =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'; worker-src 'none'; manifest-src 'none'";
  } else {
    headers['content-security-policy'] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";
  }
  return headers;
}

export const RENDERER_CSP = appHeaders('renderer')['content-security-policy']!;
export const SHELL_CSP = appHeaders('shell')['content-security-policy']!;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...appHeaders('renderer') } });
}

/** Answers a request for app://desk/… from the built renderer in root. */
export async function serveRenderer(root: string, request: { url: string; method: string }): Promise<Response> {
  const url = new URL(request.url);
  if (originOf(url) !== RENDERER_ORIGIN) return notFound();
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405, headers: appHeaders('renderer') });
  const file = resolveInside(root, url.pathname === '/' ? '/index.html' : url.pathname);
  if (!file) return notFound();
  try {
    if (!(await stat(file)).isFile()) return notFound();
    const body = await readFile(file);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...appHeaders('renderer'), 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' },
    });
  } catch {
    return notFound();
  }
}
