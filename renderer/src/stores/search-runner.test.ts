import { describe, expect, it } from 'vitest';
import type { Envelope, SearchParams, SearchResult } from '../../../shared/contract';
import { SearchRunner } from './search-runner';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const page = (label: string, n: number, total: number): Envelope<SearchResult> => ({
  ok: true,
  value: {
    results: Array.from({ length: n }, (_, i) => ({ service: { id: `${label}${i}` } }) as never),
    total,
    origin: null,
    place: null,
    evaluatedAt: '',
    directory: { services: 0, version: null, publishedAt: null, syncedAt: null, bankHolidaysCoverUntil: '' },
  },
});

describe('searching as the clinician types', () => {
  it('never lets an older answer replace a newer one', async () => {
    const answers = new Map<string, ReturnType<typeof deferred<Envelope<SearchResult>>>>();
    const shown: string[] = [];
    const runner = new SearchRunner(
      (p: SearchParams) => {
        const d = deferred<Envelope<SearchResult>>();
        answers.set(p.text ?? '', d);
        return d.promise;
      },
      { onResults: (r) => shown.push(r.results[0]!.service.id), onPage: () => {}, onError: () => {}, onLoading: () => {}, onRefresh: () => {} },
    );
    const slow = runner.run({ text: 'cri' });
    const fast = runner.run({ text: 'crisis' });
    answers.get('crisis')!.resolve(page('crisis', 1, 1));
    await fast;
    answers.get('cri')!.resolve(page('cri', 1, 1));
    await slow;
    expect(shown).toEqual(['crisis0']);
  });

  it('fetches further pages by offset, for the current query only', async () => {
    const asked: (number | undefined)[] = [];
    const pages: number[] = [];
    const runner = new SearchRunner(
      async (p) => {
        asked.push(p.offset);
        return page('s', p.offset === 100 ? 20 : 50, 120);
      },
      { onResults: () => {}, onPage: (_r, offset) => pages.push(offset), onError: () => {}, onLoading: () => {}, onRefresh: () => {} },
    );
    await runner.run({ postcode: 'SE5' });
    await Promise.all([runner.more(), runner.more()]);
    await runner.more();
    await runner.more();
    expect(asked).toEqual([0, 50, 100]);
    expect(pages).toEqual([50, 100]);
    expect(runner.hasMore).toBe(false);
  });

  it('asks the shown query again in place for as many results as are shown, and a newer query wins over it', async () => {
    const asked: { text?: string; limit?: number; offset?: number }[] = [];
    const refreshed: number[] = [];
    const gate = deferred<void>();
    const runner = new SearchRunner(
      async (p) => {
        asked.push({ text: p.text, limit: p.limit, offset: p.offset });
        if (asked.length === 4) await gate.promise;
        return page(p.text ?? '', Math.min(p.limit ?? 50, 70), 120);
      },
      { onResults: () => {}, onPage: () => {}, onError: () => {}, onLoading: () => {}, onRefresh: (r) => refreshed.push(r.results.length) },
    );
    await runner.run({ text: 'crisis' });
    await runner.more();
    await runner.refresh();
    expect(asked.at(-1)).toEqual({ text: 'crisis', limit: 75, offset: 0 }); // 25 + 50 shown
    expect(refreshed).toEqual([70]);
    // A refresh overtaken by a new query is dropped.
    const late = runner.refresh();
    void runner.run({ text: 'cafe' });
    gate.resolve();
    await late;
    expect(refreshed).toEqual([70]);
  });
});
