import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CORE_DROPPED, CORE_NO_ANSWER, CORE_NOT_CONNECTED, type WireMessage } from '../../shared/contract';
import { createPortClient, type PortLike } from './port-client';

class FakePort implements PortLike {
  sent: WireMessage[] = [];
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  started = false;
  closed = false;
  postMessage(m: unknown) {
    this.sent.push(m as WireMessage);
  }
  start() {
    this.started = true;
  }
  close() {
    this.closed = true;
  }
  answer(id: number, value: unknown) {
    this.onmessage?.({ data: { kind: 'result', id, envelope: { ok: true, value } } });
  }
}

describe('the MessagePort client of the contract', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const make = () => createPortClient({ shellCall: vi.fn(async (method: string) => ({ ok: true as const, value: `shell:${method}` })), connectTimeoutMs: 1000, answerTimeoutMs: 5000 });

  it('holds calls until a port arrives, then matches answers by id', async () => {
    const desk = make();
    const a = desk.client.call('system.info', {});
    const port = new FakePort();
    desk.attach(port);
    expect(port.started).toBe(true);
    expect(port.sent).toEqual([{ kind: 'call', id: 1, method: 'system.info', params: {} }]);
    const b = desk.client.call('calls.get', { id: 'x' });
    port.answer(2, 'record');
    port.answer(1, 'info');
    expect(await a).toEqual({ ok: true, value: 'info' });
    expect(await b).toEqual({ ok: true, value: 'record' });
  });

  it('answers core_unreachable when no port comes in time, or the core goes away mid-call, and never resends', async () => {
    const desk = make();
    const waiting = desk.client.call('system.info', {});
    await vi.advanceTimersByTimeAsync(1000);
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'core_unreachable' } });

    const port = new FakePort();
    desk.attach(port);
    const inFlight = desk.client.call('calls.save', { id: 'x', revision: 1, content: {} as never });
    desk.detach();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'core_unreachable', message: expect.stringMatching(/stays on this screen/) } });
    expect(port.closed).toBe(true);

    const later = desk.client.call('system.info', {});
    const next = new FakePort();
    desk.attach(next);
    expect(next.sent.map((m) => (m as { method: string }).method)).toEqual(['system.info']);
    next.answer((next.sent[0] as { id: number }).id, 'back');
    expect(await later).toEqual({ ok: true, value: 'back' });
  });

  it('answers core_unreachable when the core does not answer in time', async () => {
    const desk = make();
    desk.attach(new FakePort());
    const p = desk.client.call('system.info', {});
    await vi.advanceTimersByTimeAsync(5000);
    expect(await p).toMatchObject({ ok: false, error: { code: 'core_unreachable' } });
  });

  it('sends app.* calls to the shell and the rest to the core', async () => {
    const desk = make();
    const port = new FakePort();
    desk.attach(port);
    expect(await desk.client.call('app.lockNow', {})).toEqual({ ok: true, value: 'shell:app.lockNow' });
    expect(port.sent).toEqual([]);
  });

  it('passes events on: core events from the port, app.* events only from the shell', () => {
    const desk = make();
    const port = new FakePort();
    desk.attach(port);
    const seen: unknown[] = [];
    desk.client.on('core.warning', (w) => seen.push(w.message));
    const off = desk.client.on('app.lock', (l) => seen.push(l.locked));
    port.onmessage?.({ data: { kind: 'event', event: 'core.warning', payload: { code: 'x', message: 'disk nearly full' } } });
    port.onmessage?.({ data: { kind: 'event', event: 'app.lock', payload: { locked: false } } }); // the core cannot unlock
    desk.emit('app.lock', { locked: true, reason: 'idle', idleMinutes: 5 });
    desk.emit('core.warning', { code: 'x', message: 'forged by main?' });
    off();
    desk.emit('app.lock', { locked: false, reason: null, idleMinutes: 5 });
    expect(seen).toEqual(['disk nearly full', true]);
  });

  it('says the same words as the browser host’s client for each way the core is unreachable', async () => {
    const desk = make();
    const waiting = desk.client.call('system.info', {});
    await vi.advanceTimersByTimeAsync(1000);
    expect(await waiting).toEqual({ ok: false, error: { code: 'core_unreachable', message: CORE_NOT_CONNECTED } });
    desk.attach(new FakePort());
    const slow = desk.client.call('system.info', {});
    await vi.advanceTimersByTimeAsync(5000);
    expect(await slow).toEqual({ ok: false, error: { code: 'core_unreachable', message: CORE_NO_ANSWER } });
    const dropped = desk.client.call('system.info', {});
    desk.detach();
    expect(await dropped).toEqual({ ok: false, error: { code: 'core_unreachable', message: CORE_DROPPED } });
  });

  it('a call the port cannot carry (it throws) is answered at once, not left to time out', async () => {
    const desk = make();
    const port = new FakePort();
    port.postMessage = () => {
      throw new Error('DataCloneError');
    };
    desk.attach(port);
    expect(await desk.client.call('system.info', {})).toMatchObject({ ok: false, error: { code: 'core_unreachable' } });
  });
});
