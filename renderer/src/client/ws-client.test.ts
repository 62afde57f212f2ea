import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CORE_DROPPED, CORE_NO_ANSWER, CORE_NOT_CONNECTED } from '../../../shared/contract';
import { createWebSocketClient, reconnectDelay, type SocketLike } from './ws-client';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { id: number; method: string; params: unknown }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  answer(id: number, value: unknown) {
    this.onmessage?.({ data: JSON.stringify({ kind: 'result', id, envelope: { ok: true, value } }) });
  }
}

describe('the WebSocket client of the contract', () => {
  let sockets: FakeSocket[];
  const make = () =>
    createWebSocketClient({
      url: 'ws://127.0.0.1:1/contract',
      createSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      random: () => 1,
      connectTimeoutMs: 5000,
      answerTimeoutMs: 10_000,
    });

  beforeEach(() => {
    sockets = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('matches answers to calls by id, whatever order they come in', async () => {
    const c = make();
    sockets[0]!.open();
    const a = c.call('calls.get', { id: 'a' });
    const b = c.call('system.info', {});
    const [first, second] = sockets[0]!.sent;
    expect(first).toMatchObject({ kind: 'call', method: 'calls.get', params: { id: 'a' } });
    sockets[0]!.answer(second!.id, 'info');
    sockets[0]!.answer(first!.id, 'record');
    expect(await a).toEqual({ ok: true, value: 'record' });
    expect(await b).toEqual({ ok: true, value: 'info' });
  });

  it('holds calls made while connecting and sends them once the socket opens', async () => {
    const c = make();
    const p = c.call('system.info', {});
    expect(sockets[0]!.sent).toHaveLength(0);
    sockets[0]!.open();
    expect(sockets[0]!.sent).toHaveLength(1);
    sockets[0]!.answer(sockets[0]!.sent[0]!.id, 1);
    expect(await p).toEqual({ ok: true, value: 1 });
  });

  it('answers core_unreachable when no connection comes in time', async () => {
    const c = make();
    const p = c.call('system.info', {});
    await vi.advanceTimersByTimeAsync(5000);
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('core_unreachable');
      expect(r.error.message).toMatch(/stays on this screen/);
    }
  });

  it('answers calls in flight when the connection drops, never resends them, and reconnects', async () => {
    const c = make();
    const states: string[] = [];
    c.onConnection((s) => states.push(s.status));
    sockets[0]!.open();
    const inFlight = c.call('calls.save', { id: 'x', revision: 1, content: {} as never });
    sockets[0]!.drop();
    const r = await inFlight;
    expect(!r.ok && r.error.code).toBe('core_unreachable');
    expect(c.connection().status).toBe('reconnecting');

    const later = c.call('system.info', {});
    await vi.advanceTimersByTimeAsync(250);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(sockets[1]!.sent.map((m) => m.method)).toEqual(['system.info']);
    sockets[1]!.answer(sockets[1]!.sent[0]!.id, 'ok');
    expect(await later).toEqual({ ok: true, value: 'ok' });
    expect(states).toEqual(['open', 'reconnecting', 'open']);
  });

  it('backs off between failed attempts, up to the cap', async () => {
    make();
    sockets[0]!.drop();
    await vi.advanceTimersByTimeAsync(250);
    sockets[1]!.drop();
    await vi.advanceTimersByTimeAsync(499);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
  });

  it('a host down for minutes (restarting): it never stops trying, never waits more than the cap, and carries on when it is back', async () => {
    const c = make(); // random() = 1: every wait is its bound
    sockets[0]!.open();
    sockets[0]!.drop();
    const waits: number[] = [];
    let at = 0;
    for (let i = 1; i <= 60; i++) {
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        await vi.advanceTimersByTimeAsync(50);
        waited += 50;
      }
      at += waited;
      waits.push(waited);
      if (i < 60) sockets.at(-1)!.drop(); // connection refused: the host is not back yet
    }
    expect(Math.max(...waits)).toBe(5000);
    expect(at).toBeGreaterThan(4 * 60_000);
    expect(c.connection()).toMatchObject({ status: 'reconnecting', attempts: 60 });
    sockets.at(-1)!.open();
    expect(c.connection()).toMatchObject({ status: 'open', attempts: 0 });
  });

  it('passes core events to their listeners', () => {
    const c = make();
    sockets[0]!.open();
    const seen: unknown[] = [];
    const off = c.on('core.warning', (w) => seen.push(w.message));
    sockets[0]!.onmessage?.({ data: JSON.stringify({ kind: 'event', event: 'core.warning', payload: { code: 'x', message: 'disk nearly full' } }) });
    off();
    sockets[0]!.onmessage?.({ data: JSON.stringify({ kind: 'event', event: 'core.warning', payload: { code: 'x', message: 'again' } }) });
    expect(seen).toEqual(['disk nearly full']);
  });

  it('says the same words as the desktop app’s client for each way the core is unreachable', async () => {
    const c = make();
    const waiting = c.call('system.info', {});
    await vi.advanceTimersByTimeAsync(5000);
    expect(await waiting).toEqual({ ok: false, error: { code: 'core_unreachable', message: CORE_NOT_CONNECTED } });
    sockets[0]!.open();
    const slow = c.call('system.info', {});
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await slow).toEqual({ ok: false, error: { code: 'core_unreachable', message: CORE_NO_ANSWER } });
    const dropped = c.call('system.info', {});
    sockets[0]!.drop();
    expect(await dropped).toEqual({ ok: false, error: { code: 'core_unreachable', message: CORE_DROPPED } });
  });

  it('never passes on a shell event (app.*) from the core: only the desktop shell may lock or unlock', () => {
    const c = make();
    sockets[0]!.open();
    const seen: unknown[] = [];
    c.on('app.lock', (l) => seen.push(l));
    sockets[0]!.onmessage?.({ data: JSON.stringify({ kind: 'event', event: 'app.lock', payload: { locked: false, reason: null, idleMinutes: 5 } }) });
    sockets[0]!.onmessage?.({ data: 'not json' });
    sockets[0]!.onmessage?.({ data: 'null' });
    expect(seen).toEqual([]);
  });

  it('once closed, answers what waits and every new call at once, and connects no more', async () => {
    const c = make();
    const waiting = c.call('system.info', {});
    c.close();
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'core_unreachable' } });
    expect(await c.call('system.info', {})).toMatchObject({ ok: false, error: { code: 'core_unreachable' } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('a call made while the socket is already closing waits for the next one, unsent, instead of being lost with it', async () => {
    const c = make();
    sockets[0]!.open();
    sockets[0]!.readyState = 2; // CLOSING: the close event has not come yet
    const p = c.call('system.info', {});
    expect(sockets[0]!.sent).toHaveLength(0);
    sockets[0]!.drop();
    await vi.advanceTimersByTimeAsync(250);
    sockets[1]!.open();
    expect(sockets[1]!.sent.map((m) => m.method)).toEqual(['system.info']);
    sockets[1]!.answer(sockets[1]!.sent[0]!.id, 'ok');
    expect(await p).toEqual({ ok: true, value: 'ok' });
  });
});


describe('the reconnection delay', () => {
  it('is drawn from zero to a bound that doubles from the base up to the cap, and never under 50 ms', () => {
    const top = { baseMs: 250, maxMs: 5000, random: () => 1 };
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((n) => reconnectDelay(n, top))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(reconnectDelay(3, { ...top, random: () => 0.5 })).toBe(500);
    expect(reconnectDelay(3, { ...top, random: () => 0 })).toBe(50);
  });
});
