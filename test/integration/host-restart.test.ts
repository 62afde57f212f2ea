/*
 * The screen's side of a host restart, across real processes: the browser host (`tsx
 * electron/host/main.ts`) on a temp data folder is killed (SIGKILL, by its pid) while the screen's
 * WebSocket client and autosave (renderer code, run here in Node with the `ws` WebSocket carrying
 * the tab's Origin and its session in the protocol list) are in use, then started again on the
 * same folder. It comes back at the same origin with the same secret (and prints a fresh one-time
 * address), the client reconnects by itself with the session it had, and what was typed while it
 * was down is saved, in order, with no conflict.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { contractProtocols } from '../../renderer/src/client/tab-session';
import { createWebSocketClient, type ConnectedClient, type SocketLike } from '../../renderer/src/client/ws-client';
import { Autosaver } from '../../renderer/src/stores/call-session/autosave';
import type { RevisionInfo } from '../../shared/contract';
import type { CallRecord, CallRecordContent } from '../../shared/domain/call-record';
import { launchHost, stopProcess } from '../support/host-process';
import { waitFor } from '../support/desk-harness';

const root = path.resolve(import.meta.dirname, '../..');

/** What the screen does with the code in the address it was opened at (renderer/src/client/tab-session.ts). */
function exchangeCode(address: string): Promise<{ status: number; session?: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(address);
    const req = request(
      { host: u.hostname, port: u.port, path: '/session', method: 'POST', headers: { host: u.host, origin: u.origin, 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, ...(JSON.parse(body) as { session?: string }) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ code: u.searchParams.get('code') }));
  });
}

async function value<T>(client: ConnectedClient, method: string, params: unknown): Promise<T> {
  const r = await client.call(method as never, params as never);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

describe('a browser host killed and started again', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-host-restart-'));
  const rendererDir = path.join(dir, 'renderer');
  const dataDir = path.join(dir, 'data');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Crisis Desk</title>');
  // Node itself (not the tsx wrapper), so the pid killed is the host's own.
  const launch = () => launchHost(process.execPath, ['--import', 'tsx', 'electron/host/main.ts', '--data', dataDir, '--renderer', rendererDir], { cwd: root });
  const running: ReturnType<typeof launch>['child'][] = [];
  let client: ConnectedClient | null = null;

  afterAll(async () => {
    client?.close();
    for (const c of running) await stopProcess(c);
    rmSync(dir, { recursive: true, force: true });
  });

  it('comes back at the same origin; the open client reconnects with its session and saves what was typed meanwhile, in order', async () => {
    const first = launch();
    running.push(first.child);
    const address = await first.url;
    const { origin, port } = new URL(address);
    const { session } = await exchangeCode(address);
    client = createWebSocketClient({
      url: `ws://127.0.0.1:${port}/contract`,
      protocols: contractProtocols(session!),
      createSocket: (u, protocols) => new WebSocket(u, protocols, { headers: { origin } }) as unknown as SocketLike,
      retryBaseMs: 50,
      retryMaxMs: 300,
      connectTimeoutMs: 1000,
    });
    const c = client;
    const record = await value<CallRecord>(c, 'calls.create', {});
    const withSummary = (summary: string): CallRecordContent => ({ ...record.content, presentingNeed: { categories: [], summary } });
    const conflicts: string[] = [];
    const saver = new Autosaver({
      id: record.id,
      revision: record.revision,
      content: record.content,
      savedAt: record.updatedAt,
      save: (p) => c.call('calls.save', p),
      onState: () => {},
      onConflict: (e) => conflicts.push(e.code),
      debounceMs: 20,
      retryBaseMs: 100,
      retryMaxMs: 400,
    });
    c.onConnection((s) => {
      if (s.status === 'open') saver.retryNow();
    });
    saver.change(withSummary('Synthetic: saved before the host was killed'));
    expect(await saver.savePending()).toBe(true);

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    saver.change(withSummary('Synthetic: saved before the host was killed; typed while it was down'));
    await waitFor('a failed save', () => saver.current.kind === 'failed');
    expect(c.connection().status).toBe('reconnecting');
    saver.change(withSummary('Synthetic: saved before the host was killed; typed while it was down, and more'));
    await new Promise((r) => setTimeout(r, 500));
    expect(saver.dirty).toBe(true);

    const second = launch();
    running.push(second.child);
    const again = await second.url;
    expect(new URL(again).origin).toBe(origin);
    // A fresh one-time address; the first one opened its tab and opens nothing more.
    expect(again).not.toBe(address);
    expect((await exchangeCode(address)).status).toBe(403);
    await waitFor('the client reconnected', () => c.connection().status === 'open', 20_000);
    await waitFor('everything saved', () => !saver.dirty && saver.current.kind === 'saved', 20_000);

    const stored = await value<CallRecord>(c, 'calls.get', { id: record.id });
    expect(stored.content.presentingNeed.summary).toBe('Synthetic: saved before the host was killed; typed while it was down, and more');
    expect(conflicts).toEqual([]);
    const revisions = await value<RevisionInfo[]>(c, 'calls.revisions', { id: record.id });
    expect(revisions.map((r) => r.revision)).toEqual(revisions.map((_, i) => i + 1));
    expect(stored.revision).toBe(saver.revision);
  }, 90_000);
});
