import type { ContractError, Envelope, SearchParams, SearchResult } from '../../../shared/contract';

/*
 * Runs directory searches as the clinician types: the one single-flight layer between the search
 * box and the core. One query is on its way at a time (the core answers in a few milliseconds);
 * queries asked meanwhile are not queued: only the newest waits, and the answer on its way is then
 * dropped unseen, so a slow answer to "cri" can never replace the results for "crisis café" and
 * fast typing never piles up stale searches. The query already shown (or on its way) is not asked
 * again. Further pages (offset) belong to the query that asked for them and are appended in order.
 *
 * Each query carries a tag (the store's keystroke number): it comes back with the answer, so the
 * store knows which keystrokes the results on screen answer.
 */

/**
 * The first page is small so the answer to each keystroke is quick: the panel shows two or three
 * cards at 1366×768 (five on a 1080p screen), and the next page is asked for as the clinician moves
 * down. The core builds, and the screen receives and reads, whole services with their opening
 * judged: 10 of them are 16 KiB on the wire where 25 were 40 KiB, and the core's p95 for the bench's
 * typed prefixes was 27 against 34 ms (same process, a loaded machine, 7 December).
 */
export const FIRST_PAGE = 10;
export const PAGE_SIZE = 50;

export interface RunnerCallbacks<Tag> {
  /**
   * A new first page (replaces the list); `tag` is the newest ask it answers; `sentAt` when it was
   * sent (performance.now(), for the benchmark's split of a keystroke).
   */
  onResults(result: SearchResult, params: SearchParams, tag: Tag, sentAt: number): void;
  /** The next page of the current query. */
  onPage(result: SearchResult, offset: number): void;
  onError(error: ContractError, params: SearchParams, tag: Tag): void;
  onLoading(loading: boolean): void;
  /** The same query answered again for what is shown (the directory changed under it). */
  onRefresh(result: SearchResult): void;
}

interface Query<Tag> {
  params: SearchParams;
  key: string;
  tag: Tag;
}

export class SearchRunner<Tag = undefined> {
  /** Bumped by every query sent and by cancel(): an answer, page or refresh of an older one is dropped. */
  private generation = 0;
  /** The query shown, or on its way. */
  private params: SearchParams | null = null;
  /** The last query sent, to skip asking the same again. */
  private sentKey: string | null = null;
  /** The query on its way (null when none is). */
  private flight: Query<Tag> | null = null;
  /** The generation the query on its way was sent in. */
  private flightGeneration = 0;
  /** The newest query asked while another was on its way: sent once that one is answered. */
  private next: Query<Tag> | null = null;
  private loaded = 0;
  private total = 0;
  private pageInFlight = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly search: (p: SearchParams) => Promise<Envelope<SearchResult>>,
    private readonly cb: RunnerCallbacks<Tag>,
  ) {}

  get hasMore(): boolean {
    return this.params !== null && this.loaded < this.total;
  }

  /**
   * Asks for a query's first page. False when nothing needed asking: it is the query shown (a
   * trailing space, a first letter) and `force` is not set. True when it is sent, waits for the one
   * on its way, or is the one on its way (whose answer then carries this tag).
   */
  ask(params: SearchParams, tag: Tag, force = false): boolean {
    const q: Query<Tag> = { params, key: JSON.stringify(params), tag };
    if (this.flight) {
      if (!force && q.key === this.flight.key && this.generation === this.flightGeneration) {
        // Back to the query on its way ("cri", "cris", "cri"): its answer answers this too.
        this.next = null;
        this.flight.tag = tag;
      } else {
        this.next = q;
      }
      return true;
    }
    if (!force && q.key === this.sentKey) return false;
    void this.send(q);
    return true;
  }

  /** Forgets the query: nothing is shown, and every answer still on its way is dropped. */
  cancel(): void {
    this.generation++;
    this.next = null;
    this.params = null;
    this.sentKey = null;
    this.loaded = this.total = 0;
    this.pageInFlight = false;
    this.cb.onLoading(false);
  }

  /** Resolves once no query is on its way or waiting (for tests). */
  idle(): Promise<void> {
    if (!this.flight && !this.next) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async send(q: Query<Tag>): Promise<void> {
    const gen = ++this.generation;
    this.flight = q;
    this.flightGeneration = gen;
    this.params = q.params;
    this.sentKey = q.key;
    this.pageInFlight = false;
    this.cb.onLoading(true);
    const sentAt = performance.now();
    const r = await this.search({ ...q.params, limit: FIRST_PAGE, offset: 0 });
    const { tag } = this.flight;
    this.flight = null;
    const next = this.next;
    this.next = null;
    if (next) {
      // A newer query was asked meanwhile: this answer is dropped unseen, and that one goes now.
      void this.send(next);
      return;
    }
    this.settle();
    if (gen !== this.generation) return;
    this.cb.onLoading(false);
    if (!r.ok) {
      this.loaded = this.total = 0;
      this.cb.onError(r.error, q.params, tag);
      return;
    }
    this.loaded = r.value.results.length;
    this.total = r.value.total;
    this.cb.onResults(r.value, q.params, tag, sentAt);
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    // After this answer's callbacks have run.
    queueMicrotask(() => waiters.forEach((w) => w()));
  }

  /** Fetches the next page of the current query, if there is one and none is on its way. */
  async more(): Promise<void> {
    if (!this.hasMore || this.pageInFlight || this.flight || !this.params) return;
    const gen = this.generation;
    const offset = this.loaded;
    this.pageInFlight = true;
    const r = await this.search({ ...this.params, limit: PAGE_SIZE, offset });
    if (gen !== this.generation) return;
    this.pageInFlight = false;
    if (!r.ok || offset !== this.loaded) return;
    this.loaded += r.value.results.length;
    this.total = r.value.total;
    if (r.value.results.length === 0) this.total = this.loaded;
    this.cb.onPage(r.value, offset);
  }

  /**
   * Asks the current query again for as many results as are shown, in place: a catch-up (a report,
   * a local correction) changes what the cards say without the clinician losing their place. Any
   * newer query or page wins over it.
   */
  async refresh(): Promise<void> {
    if (!this.params || this.pageInFlight || this.flight || this.loaded === 0) return;
    const gen = this.generation;
    const r = await this.search({ ...this.params, limit: Math.min(500, this.loaded), offset: 0 });
    if (gen !== this.generation || this.pageInFlight || !r.ok) return;
    this.loaded = r.value.results.length;
    this.total = r.value.total;
    this.cb.onRefresh(r.value);
  }
}
