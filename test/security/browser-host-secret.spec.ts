import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { freshAddress, loadHostAccess } from '../../electron/host/host-access';
import { OPEN_FILE } from '../../electron/host/open-in-browser';
import { contractProtocols, TAB_SESSION_KEY } from '../../renderer/src/client/tab-session';
import { startDemoServer, type DemoServer } from '../e2e/demo-server';
import { startDeskHost, type DeskHost } from '../e2e/desk-host';
import { expectAccessible, screenshots } from '../e2e/screen-checks';
import { launchHost, stopProcess } from '../support/host-process';

/*
 * Finding 3 of the security probe, reproduced in Debian's Chromium against the browser host as it
 * runs (`tsx electron/host/main.ts --server …`) with a page served by another program on another
 * port of 127.0.0.1, as any local tool's web page is. The probe found:
 *  - the host's session was a cookie of 127.0.0.1, which Chromium sends to every port of it: the
 *    other program received it with every request the clinician's browser made to it;
 *  - with it and a forged Origin, the other page (or program) opened the contract's WebSocket;
 *  - a no-cors GET of /auth/start from the other port passed the host's guard;
 *  - --open put the secret on a command line (xdg-open's), readable by every user of the computer.
 * Each is tried here as the attacker would, and must fail; a tab opened the proper way still works.
 */

const root = path.resolve(import.meta.dirname, '../..');

interface Heard {
  url: string;
  headers: IncomingHttpHeaders;
}

/** Another program's web server on another port of 127.0.0.1: a page, and an ear for what browsers send it. */
async function startOtherLocalServer(): Promise<{ origin: string; heard: Heard[]; close(): Promise<void> }> {
  const heard: Heard[] = [];
  const server: Server = createServer((req, res) => {
    heard.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': req.url === '/' ? 'text/html; charset=utf-8' : 'text/plain' });
    res.end(req.url === '/' ? '<!doctype html><html lang="en"><title>Another local tool</title><h1>Another local tool</h1></html>' : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    heard,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A WebSocket from Node, as a local program can make one, with any Origin it likes: 'open' or the refusal's status. */
function trySocket(port: number, origin: string, protocols: string[]): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/contract`, protocols, { headers: { origin } });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.once('error', (e) => resolve(`error ${e.message}`));
  });
}

const readIfThere = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

let server: DemoServer;
let desk: DeskHost;
let other: Awaited<ReturnType<typeof startOtherLocalServer>>;
let context: BrowserContext;
let page: Page;
let hostPort: number;
let hostOrigin: string;
let session: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startDemoServer({ services: 200 });
  desk = await startDeskHost({ services: 0, server: server.url });
  other = await startOtherLocalServer();
  hostOrigin = new URL(desk.url).origin;
  hostPort = Number(new URL(desk.url).port);
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB', timezoneId: 'Europe/London' });
  page = await context.newPage();
  await page.goto(desk.url);
  await expect(page.getByTestId('desk-connection')).toHaveText('Desk ready', { timeout: 30_000 });
  session = (await page.evaluate((key) => sessionStorage.getItem(key), TAB_SESSION_KEY))!;
  expect(session).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
});

test.afterAll(async () => {
  await context?.close();
  await other?.close();
  await desk?.stop();
  await server?.dispose();
});

test('the clinician’s tab holds its session where no other origin gets it: no cookie, nothing sent to another port', async () => {
  // The one-time code has left the address bar (a reload or a bookmark does not offer it again).
  expect(page.url()).toBe(`${hostOrigin}/`);
  expect(await context.cookies()).toEqual([]);

  // The clinician's browser visits another local tool's page, which loads from its own server.
  const tool = await context.newPage();
  await tool.goto(`${other.origin}/`);
  await tool.evaluate(async () => {
    await fetch('/api', { credentials: 'include' });
    const img = new Image();
    img.src = '/pixel.png';
    await new Promise((r) => (img.onload = img.onerror = r));
  });
  expect(other.heard.map((h) => h.url)).toEqual(expect.arrayContaining(['/', '/api', '/pixel.png']));
  for (const h of other.heard) {
    expect(h.headers.cookie, `cookie sent to ${other.origin}${h.url}`).toBeUndefined();
    expect(JSON.stringify(h.headers)).not.toContain(session);
  }
  // sessionStorage is per origin, port included: the other page cannot read the tab's session.
  expect(await tool.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  await tool.close();
});

test('a page on another port of 127.0.0.1 cannot open the contract, start a sign-in, or spend an address', async () => {
  const unused = freshAddress(loadHostAccess(desk.dataDir));
  const unusedCode = new URL(unused).searchParams.get('code')!;
  const tool = await context.newPage();
  await tool.goto(`${other.origin}/`);
  const answers: { path: string; status: number }[] = [];
  tool.on('response', (r) => {
    if (r.url().startsWith(hostOrigin)) answers.push({ path: new URL(r.url()).pathname, status: r.status() });
  });

  const tried = await tool.evaluate(
    async ({ port, code }) => {
      const socket = (protocols: string[]) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/contract`, protocols);
          ws.onopen = () => {
            ws.close();
            resolve('open');
          };
          ws.onerror = () => resolve('refused');
        });
      const noCors = async (p: string, init: RequestInit = {}) => {
        try {
          await fetch(`http://127.0.0.1:${port}${p}`, { mode: 'no-cors', credentials: 'include', ...init });
          return 'sent';
        } catch {
          return 'failed';
        }
      };
      return {
        plainSocket: await socket(['crisis-desk']),
        guessedSession: await socket(['crisis-desk', `crisis-desk.session.${'A'.repeat(22)}.${'A'.repeat(43)}`]),
        signIn: await noCors('/auth/start'),
        spend: await noCors('/session', { method: 'POST', body: JSON.stringify({ code }), headers: { 'content-type': 'text/plain' } }),
        readScreen: await fetch(`http://127.0.0.1:${port}/`, { credentials: 'include' }).then(
          () => 'read',
          () => 'blocked',
        ),
      };
    },
    { port: hostPort, code: unusedCode },
  );
  expect(tried).toMatchObject({ plainSocket: 'refused', guessedSession: 'refused', readScreen: 'blocked' });
  // The host refused the no-cors requests before doing anything with them.
  await expect.poll(() => answers.filter((a) => a.path === '/auth/start' || a.path === '/session')).toEqual(
    expect.arrayContaining([
      { path: '/auth/start', status: 403 },
      { path: '/session', status: 403 },
    ]),
  );

  // A top-level navigation there (a link on the other page) is refused too: no ticket from the screen.
  await tool.evaluate((port) => (location.href = `http://127.0.0.1:${port}/auth/start`), hostPort);
  await expect(tool.getByRole('heading', { name: 'This sign-in link does not work' })).toBeVisible();
  await expectAccessible(tool, 'a sign-in link that does not work');
  await screenshots(tool, '40-sign-in-link-refused');
  await tool.close();

  // The address the other page tried to spend still opens the clinician's tab (once).
  const tab = await context.newPage();
  await tab.goto(unused);
  await expect(tab.getByTestId('desk-connection')).toHaveText('Desk ready', { timeout: 30_000 });
  await tab.close();
});

test('a local program forging Origin gets nothing without a tab’s session, nor with one from another origin', async () => {
  const otherOrigin = other.origin;
  expect(await trySocket(hostPort, hostOrigin, ['crisis-desk'])).toBe('refused 403');
  expect(await trySocket(hostPort, hostOrigin, contractProtocols(`${'B'.repeat(22)}.${'B'.repeat(43)}`))).toBe('refused 403');
  expect(await trySocket(hostPort, otherOrigin, contractProtocols(session))).toBe('refused 403'); // Origin checked with its port
  expect(await trySocket(hostPort, `http://localhost:${Number(new URL(otherOrigin).port)}`, contractProtocols(session))).toBe('refused 403');
  // A cookie with the desk's secret, as the old host took, opens nothing.
  const { secret } = loadHostAccess(desk.dataDir);
  const withCookie = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${hostPort}/contract`, ['crisis-desk'], { headers: { origin: hostOrigin, cookie: `crisis_desk_session=${secret}` } });
    ws.once('open', () => (ws.close(), resolve('open')));
    ws.once('unexpected-response', (_q, r) => resolve(`refused ${r.statusCode}`));
  });
  expect(withCookie).toBe('refused 403');
  // The address the terminal printed, read later (scrollback, a screen share), was used by the clinician's tab.
  const replay = await fetch(`${hostOrigin}/session`, { method: 'POST', headers: { origin: hostOrigin, 'content-type': 'application/json' }, body: JSON.stringify({ code: new URL(desk.url).searchParams.get('code') }) });
  expect(replay.status).toBe(403);
  expect(((await replay.json()) as { error: string }).error).toBe('code_refused');
  // The tab's own session from its own origin is what opens the contract.
  expect(await trySocket(hostPort, hostOrigin, contractProtocols(session))).toBe('open');
});

test('--open hands the browser a file readable by this user only, never the code or the secret on a command line', async ({ browser }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-open-'));
  const bin = path.join(dir, 'bin');
  const argvFile = path.join(dir, 'opener-argv.txt');
  const dataDir = path.join(dir, 'desk');
  // The desktop's opener, replaced by one that writes down the command line it was given.
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\n`);
  chmodSync(path.join(bin, 'xdg-open'), 0o755);
  const running = launchHost(path.join(root, 'node_modules/.bin/tsx'), ['electron/host/main.ts', '--data', dataDir, '--renderer', path.join(root, 'dist/renderer'), '--port', '0', '--open'], {
    cwd: root,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  const tab = await (await browser.newContext()).newPage();
  try {
    await running.url;
    await expect.poll(() => readIfThere(argvFile)).not.toBe('');
    const argv = readFileSync(argvFile, 'utf8').trim().split('\n');
    const { secret } = loadHostAccess(dataDir);
    const openFile = path.join(dataDir, OPEN_FILE);
    expect(argv).toEqual([openFile]);
    expect(statSync(openFile).mode & 0o777).toBe(0o600);
    const html = readFileSync(openFile, 'utf8');
    expect(html).not.toContain(secret);
    // The opener's command line holds neither; the file holds a one-time address, which opens the desk.
    const address = /url=([^"]+)"/.exec(html)![1]!.replace(/&#38;/g, '&');
    expect(argv.join(' ')).not.toContain(new URL(address).searchParams.get('code')!);
    await tab.goto(`file://${openFile}`);
    await expect(tab.getByTestId('desk-connection')).toHaveText('Desk ready', { timeout: 30_000 });
    expect(new URL(tab.url()).origin).toBe(new URL(address).origin);
  } finally {
    await tab.context().close();
    await stopProcess(running.child);
    rmSync(dir, { recursive: true, force: true });
  }
});
