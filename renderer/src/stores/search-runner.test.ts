import { describe, expect, it } from 'vitest';
import type { Envelope, SearchParams, SearchResult } from '../../../shared/contract';
import { FIRST_PAGE, PAGE_SIZE, SearchRunner } from './search-runner';

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
  },
});

describe('searching as the clinician types', () => {
  it('never lets an older answer replace a newer one: one query on its way, only the newest asked meanwhile goes next', async () => {
    const answers = new Map<string, ReturnType<typeof deferred<Envelope<SearchResult>>>>();
    const asked: string[] = [];
    const shown: [string, number][] = [];
    const runner = new SearchRunner<number>(
      (p: SearchParams) => {
        const d = deferred<Envelope<SearchResult>>();
        asked.push(p.text ?? '');
        answers.set(p.text ?? '', d);
        return d.promise;
      },
      { onResults: (r, _p, tag) => shown.push([r.results[0]!.service.id, tag]), onPage: () => {}, onError: () => {}, onLoading: () => {}, onRefresh: () => {} },
    );
    expect(runner.ask({ text: 'cri' }, 1)).toBe(true);
    expect(runner.ask({ text: 'cris' }, 2)).toBe(true);
    expect(runner.ask({ text: 'crisis' }, 3)).toBe(true);
    expect(asked).toEqual(['cri']);
    answers.get('cri')!.resolve(page('cri', 1, 1));
    await Promise.resolve();
    // "cri" is dropped unseen; "cris" was never sent.
    expect(asked).toEqual(['cri', 'crisis']);
    expect(shown).toEqual([]);
    answers.get('crisis')!.resolve(page('crisis', 1, 1));
    await runner.idle();
    expect(shown).toEqual([['crisis0', 3]]);
  });

  it('does not ask again for the query shown or on its way, unless forced', async () => {
    const answers: ReturnType<typeof deferred<Envelope<SearchResult>>>[] = [];
    const asked: string[] = [];
    const shown: [string, number][] = [];
    const runner = new SearchRunner<number>(
      (p) => {
        asked.push(p.text ?? '');
        const d = deferred<Envelope<SearchResult>>();
        answers.push(d);
        return d.promise;
      },
      { onResults: (r, _p, tag) => shown.push([r.results[0]!.service.id, tag]), onPage: () => {}, onError: () => {}, onLoading: () => {}, onRefresh: () => {} },
    );
    runner.ask({ text: 'cri' }, 1);
    runner.ask({ text: 'cris' }, 2);
    // Back to the query on its way: its answer answers the newest keystroke, and "cris" is not sent.
    expect(runner.ask({ text: 'cri' }, 3)).toBe(true);
    answers[0]!.resolve(page('cri', 1, 1));
    await runner.idle();
    expect(asked).toEqual(['cri']);
    expect(shown).toEqual([['cri0', 3]]);
    expect(runner.ask({ text: 'cri' }, 4)).toBe(false);
    expect(runner.ask({ text: 'cri' }, 5, true)).toBe(true);
    answers[1]!.resolve(page('cri', 1, 1));
    await runner.idle();
    expect(asked).toEqual(['cri', 'cri']);
    expect(shown.at(-1)).toEqual(['cri0', 5]);
  });

  it('drops the answer on its way once the query is cancelled, and sends the next one after it', async () => {
    const answers: ReturnType<typeof deferred<Envelope<SearchResult>>>[] = [];
    const asked: string[] = [];
    const shown: string[] = [];
    const runner = new SearchRunner<number>(
      (p) => {
        asked.push(p.text ?? '');
        const d = deferred<Envelope<SearchResult>>();
        answers.push(d);
        return d.promise;
      },
      { onResults: (r) => shown.push(r.results[0]!.service.id), onPage: () => {}, onError: () => {}, onLoading: () => {}, onRefresh: () => {} },
    );
    runner.ask({ text: 'cri' }, 1);
    runner.cancel();
    // The same query again: the answer on its way belongs to the cancelled one, so it is asked anew.
    runner.ask({ text: 'cri' }, 2);
    answers[0]!.resolve(page('old', 1, 1));
    await Promise.resolve();
    expect(asked).toEqual(['cri', 'cri']);
    answers[1]!.resolve(page('new', 1, 1));
    await runner.idle();
    expect(shown).toEqual(['new0']);
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
    runner.ask({ postcode: 'SE5' }, undefined);
    await runner.idle();
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
    runner.ask({ text: 'crisis' }, undefined);
    await runner.idle();
    await runner.more();
    await runner.refresh();
    expect(asked.at(-1)).toEqual({ text: 'crisis', limit: FIRST_PAGE + PAGE_SIZE, offset: 0 }); // the first page and the next shown
    const shown = Math.min(FIRST_PAGE + PAGE_SIZE, 70);
    expect(refreshed).toEqual([shown]);
    // A refresh overtaken by a new query is dropped.
    const late = runner.refresh();
    runner.ask({ text: 'cafe' }, undefined);
    gate.resolve();
    await late;
    expect(refreshed).toEqual([shown]);
  });
});
