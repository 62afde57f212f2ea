import { describe, expect, it } from 'vitest';
import { saveLine } from '../features/call/save-text';
import { deskLine } from './desk-text';

/* "The desk is not running" in words, distinct from the server being offline, in the status bar and the record header. */

const since = Date.parse('2026-11-22T14:03:00Z'); // 14:03 in London

describe('the desk in the status bar', () => {
  it('ready, connecting, or not running since when (never "offline", which is about the server)', () => {
    expect(deskLine({ status: 'open', since, attempts: 0 })).toMatchObject({ tone: 'ok', text: 'Desk ready' });
    expect(deskLine({ status: 'connecting', since, attempts: 0 }).text).toBe('Connecting to the desk…');
    const down = deskLine({ status: 'reconnecting', since, attempts: 3 });
    expect(down).toMatchObject({ tone: 'bad', text: 'Desk not running since 14:03 — not saving; typing kept on screen' });
    expect(down.detail).toMatch(/nothing is being saved/);
    expect(down.detail).toMatch(/reconnects by itself/);
    expect(down.text + down.detail).not.toMatch(/offline/i);
  });
});

describe('the record header’s save status', () => {
  const at = '2026-11-22T14:25:03Z';
  it('says saved, saving or not saved with the reason while the desk is up', () => {
    expect(saveLine({ kind: 'saved', at }, true)).toMatchObject({ tone: 'saved', text: 'Saved 14:25:03', settled: true });
    expect(saveLine({ kind: 'saving' }, true)).toMatchObject({ text: 'Saving…', settled: false });
    expect(saveLine({ kind: 'failed', reason: 'The disk is full.', retrying: true }, true).text).toBe('Not saved — The disk is full. Trying again…');
  });

  it('with the desk down, never "Saved" or "Saving…" for what is on screen now', () => {
    for (const save of [{ kind: 'pending' as const }, { kind: 'saving' as const }, { kind: 'failed' as const, reason: 'Crisis Desk cannot reach its core.', retrying: true }]) {
      const line = saveLine(save, false);
      expect(line.text).toBe('Not saved — the desk is not running. What you type stays on this screen and is saved when it is back.');
      expect(line.tone).toBe('failed');
    }
    expect(saveLine({ kind: 'saved', at }, false).text).toBe('Desk not running — saved up to 14:25:03; anything typed now stays on this screen until it is back');
  });
});
