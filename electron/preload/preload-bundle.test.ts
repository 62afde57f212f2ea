/*
 * The preload as it ships: bundled by esbuild the way the desktop build does (one CommonJS file for
 * a sandboxed preload), then run against a mocked contextBridge and ipcRenderer. It must expose
 * exactly window.crisisDesk with the contract's surface (call, on) and nothing else, require
 * nothing but electron, and carry calls to the core over the port main hands it.
 */
import { MessageChannel } from 'node:worker_threads';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { buildPreload } from '../../scripts/build-desktop';

async function loadPreload() {
  const code = await buildPreload({ write: false });
  const exposed: [string, unknown][] = [];
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const electron = {
    contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.push([key, api])) },
    ipcRenderer: {
      on: vi.fn((channel: string, h: (event: unknown, ...args: unknown[]) => void) => handlers.set(channel, h)),
      send: vi.fn(),
      invoke: vi.fn(async (_c: string, method: string) => ({ ok: true, value: { locked: true, reason: 'manual', idleMinutes: 5, method } })),
    },
  };
  const required: string[] = [];
  const sandbox = {
    require: (name: string) => {
      required.push(name);
      if (name === 'electron') return electron;
      throw new Error(`the preload may not require ${name}`);
    },
    module: { exports: {} },
    console,
    setTimeout,
    clearTimeout,
  };
  vm.runInNewContext(code, sandbox, { filename: 'preload.cjs' });
  return { exposed, handlers, electron, required };
}

describe('the preload bundle', () => {
  it('exposes exactly window.crisisDesk = { call, on }, and requires only electron', async () => {
    const { exposed, required, electron } = await loadPreload();
    expect(exposed.map(([k]) => k)).toEqual(['crisisDesk']);
    const api = exposed[0]![1] as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect(typeof api.call).toBe('function');
    expect(typeof api.on).toBe('function');
    expect(Object.values(api)).not.toContain(electron.ipcRenderer);
    expect([...new Set(required)]).toEqual(['electron']);
    expect(electron.ipcRenderer.send).toHaveBeenCalledWith('crisis-desk:hello');
  });

  it('carries the contract client and nothing of the contract’s schemas (no zod: it loads in every page, sandboxed)', async () => {
    const code = await buildPreload({ write: false });
    expect(code).not.toMatch(/ZodError|zod/i);
    // About 6 KB today; the schemas would make it about 1 MB.
    expect(code.length).toBeLessThan(20_000);
  });

  it('carries calls over the MessagePort main hands it, and events back', async () => {
    const { exposed, handlers } = await loadPreload();
    const api = exposed[0]![1] as { call: (m: string, p: unknown) => Promise<unknown>; on: (e: string, l: (p: unknown) => void) => () => void };
    const { port1: core, port2: screen } = new MessageChannel();
    handlers.get('crisis-desk:port')!({ ports: [screen] });
    core.on('message', (m: { kind: string; id: number; method: string }) => {
      if (m.kind === 'call') core.postMessage({ kind: 'result', id: m.id, envelope: { ok: true, value: `answered ${m.method}` } });
    });
    expect(await api.call('system.info', {})).toEqual({ ok: true, value: 'answered system.info' });
    const warning = new Promise((resolve) => api.on('core.warning', resolve));
    core.postMessage({ kind: 'event', event: 'core.warning', payload: { code: 'x', message: 'hello' } });
    expect(await warning).toEqual({ code: 'x', message: 'hello' });
    const lock = new Promise((resolve) => api.on('app.lock', resolve));
    handlers.get('crisis-desk:event')!({}, 'app.lock', { locked: true, reason: 'idle', idleMinutes: 5 });
    expect(await lock).toMatchObject({ locked: true });
    expect(await api.call('app.lockNow', {})).toMatchObject({ ok: true, value: { method: 'app.lockNow' } });
    core.close();
    screen.close();
  });
});
