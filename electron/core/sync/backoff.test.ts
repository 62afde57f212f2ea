import { describe, expect, it } from 'vitest';
import { fullJitterDelay, retryAfterMs, SYNC_BACKOFF } from './backoff';
import { serverSentEvents, textLines } from './line-streams';

describe('backoff', () => {
  it('waits a random time up to an exponential bound, capped', () => {
    expect(fullJitterDelay(0, SYNC_BACKOFF, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, SYNC_BACKOFF, () => 0.5)).toBe(4000);
    expect(fullJitterDelay(50, SYNC_BACKOFF, () => 0.999)).toBeLessThan(SYNC_BACKOFF.capMs);
    expect(fullJitterDelay(5, SYNC_BACKOFF, () => 0)).toBe(0);
  });

  it('honours Retry-After in seconds or as a date, capped', () => {
    const now = Date.parse('2026-11-25T20:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Wed, 25 Nov 2026 20:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('100000', now)).toBe(SYNC_BACKOFF.capMs);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

describe('line streams', () => {
  it('splits lines across chunk boundaries, including multi-byte characters', async () => {
    const bytes = new TextEncoder().encode('café\r\nline two\nlast');
    const split = [bytes.slice(0, 4), bytes.slice(4, 9), bytes.slice(9)];
    const out: string[] = [];
    for await (const l of textLines((async function* () { yield* split; })())) out.push(l);
    expect(out).toEqual(['café', 'line two', 'last']);
  });

  it('parses server-sent events, skipping comments', async () => {
    const out = [];
    for await (const e of serverSentEvents(chunks(': keep-alive\n\n', 'event: hint\ndata: {"kind":', '"directory"}\nid: 4\n\n', 'data: a\ndata: b\n\n'))) out.push(e);
    expect(out).toEqual([
      { event: 'hint', data: '{"kind":"directory"}', id: '4' },
      { event: 'message', data: 'a\nb', id: '4' },
    ]);
  });
});
