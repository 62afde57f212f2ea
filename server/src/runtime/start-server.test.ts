import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port';
import { testServerEnv } from '../../../test/support/server-env';
import type { RouteModule } from '../app';
import { DEMO_USERS } from '../demo/seed-users';
import { loadConfig } from '../config';
import { openPglite } from '../db/db';
import { startServer } from './start-server';

/** A route that stays in flight until the test lets it go, and an event stream that never ends by itself. */
function controllableRoutes() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => (started = resolve));
  const module: RouteModule = (app) => {
    app.get('/slow', async () => {
      started();
      await released;
      return { done: true };
    });
    app.get('/stream', (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write('event: ready\ndata: {}\n\n');
    });
  };
  return { module, release, inFlight };
}

const serverEnv = testServerEnv();
afterAll(() => serverEnv.remove());

async function start(module: RouteModule, graceMs = 20_000) {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'silent', ...serverEnv.env });
  const db = await openPglite();
  const server = await startServer(config, { log: pino({ level: 'silent' }), db, modules: [module], graceMs });
  return { server, db };
}

/** A GET that resolves with the status and body, or the connection error. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new ones, then closes the database', async () => {
    const routes = controllableRoutes();
    const { server, db } = await start(routes.module);
    const slow = get(`${server.url}/slow`);
    await routes.inFlight;

    const stopped = server.stop();
    let stopDone = false;
    void stopped.then(() => (stopDone = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopDone).toBe(false);
    const late = await get(`${server.url}/health`);
    expect('error' in late ? late.error : late.status).toMatch(/ECONNREFUSED|ECONNRESET|503/);

    routes.release();
    expect(await slow).toEqual({ status: 200, body: '{"done":true}' });
    await stopped;
    await expect(db.query('SELECT 1')).rejects.toThrow();
  });

  it('ends open event streams instead of waiting for them', async () => {
    const routes = controllableRoutes();
    const { server } = await start(routes.module, 20_000);
    const stream = get(`${server.url}/stream`, { accept: 'text/event-stream' });
    await new Promise((r) => setTimeout(r, 100));
    const began = Date.now();
    await server.stop();
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(await stream).toEqual({ status: 200, body: 'event: ready\ndata: {}\n\n' });
  });

  it('cuts connections still open after the grace period, and still closes the database', async () => {
    const routes = controllableRoutes();
    const { server, db } = await start(routes.module, 300);
    const stuck = get(`${server.url}/slow`);
    await routes.inFlight;
    await server.stop();
    expect(await stuck).toHaveProperty('error');
    await expect(db.query('SELECT 1')).rejects.toThrow();
    routes.release();
  });
});

describe('npm run server (server/src/main.ts)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-server-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Starts main.ts, waits until it listens, checks /health, sends SIGTERM and collects what it printed. */
  async function runOnce(port: number) {
    const tsx = path.resolve('node_modules/.bin/tsx');
    const env: NodeJS.ProcessEnv = { ...process.env, DEMO: '1', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'OIDC_ISSUER', 'OIDC_JWKS_URL']) delete env[name];
    const child = spawn(tsx, ['server/src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`main.ts did not start: ${stdout} ${stderr}`)), 60_000);
      child.on('exit', (code) => reject(new Error(`main.ts exited with ${code}: ${stdout} ${stderr}`)));
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('Crisis Desk API listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const health = await get(`http://127.0.0.1:${port}/health`);
    child.kill('SIGTERM');
    const code = await exited;
    return { code, health, stderr, logs: stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it('starts on PGlite in DATA_DIR, seeds the demo once, prints the demo users, and stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const first = await runOnce(port);
    expect(first.health).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(first.code).toBe(0);
    expect(first.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['database ready', 'Crisis Desk API listening', 'shutting down: finishing requests in flight', 'stopped']));
    expect(first.logs.find((l) => l.msg === 'demo trusts, teams and users in place')).toMatchObject({ created: DEMO_USERS.length });
    expect(first.stderr).toContain('clinician.south');
    expect(first.stderr).toContain('demo-password');
    // The password is for the person at the terminal (stderr), never in the JSON logs.
    expect(JSON.stringify(first.logs)).not.toContain('demo-password');

    const second = await runOnce(port);
    expect(second.code).toBe(0);
    expect(second.logs.find((l) => l.msg === 'demo trusts, teams and users in place')).toMatchObject({ created: 0 });
  });
});
