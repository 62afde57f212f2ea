import type { ContractError, Envelope, SearchParams, SearchResult } from '../../../shared/contract';

/*
 * Runs directory searches as the clinician types. Every new query starts a new generation; an
 * answer from an older generation is dropped, so a slow answer to "cri" can never replace the
 * results for "crisis café". Further pages (offset) belong to the generation that asked for them and
 * are appended only in order.
 */

/** The first page is small (a few cards fill the panel) so the first answer is quick; later pages are larger. */
export const FIRST_PAGE = 25;
export const PAGE_SIZE = 50;

export interface RunnerCallbacks {
  /** A new first page (replaces the list). */
  onResults(result: SearchResult, params: SearchParams): void;
  /** The next page of the current query. */
  onPage(result: SearchResult, offset: number): void;
  onError(error: ContractError, params: SearchParams): void;
  onLoading(loading: boolean): void;
  /** The same query answered again for what is shown (the directory changed under it). */
  onRefresh(result: SearchResult): void;
}

export class SearchRunner {
  private generation = 0;
  private params: SearchParams | null = null;
  private loaded = 0;
  private total = 0;
  private pageInFlight = false;
  private queryInFlight = 0;

  constructor(
    private readonly search: (p: SearchParams) => Promise<Envelope<SearchResult>>,
    private readonly cb: RunnerCallbacks,
  ) {}

  get hasMore(): boolean {
    return this.params !== null && this.loaded < this.total;
  }

  /** Drops every answer still on its way (the query was cleared). */
  cancel(): void {
    this.generation++;
    this.params = null;
    this.loaded = this.total = 0;
    this.pageInFlight = false;
    this.cb.onLoading(false);
  }

  /** Drops the answer on its way (a newer query will follow) without clearing what is shown. */
  supersede(): void {
    this.generation++;
  }

  async run(params: SearchParams): Promise<void> {
    const gen = ++this.generation;
    this.params = params;
    this.pageInFlight = false;
    this.queryInFlight++;
    this.cb.onLoading(true);
    const r = await this.search({ ...params, limit: FIRST_PAGE, offset: 0 });
    this.queryInFlight--;
    if (gen !== this.generation) return;
    this.cb.onLoading(false);
    if (!r.ok) {
      this.loaded = this.total = 0;
      this.cb.onError(r.error, params);
      return;
    }
    this.loaded = r.value.results.length;
    this.total = r.value.total;
    this.cb.onResults(r.value, params);
  }

  /** Fetches the next page of the current query, if there is one and none is on its way. */
  async more(): Promise<void> {
    if (!this.hasMore || this.pageInFlight || !this.params) return;
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
    if (!this.params || this.pageInFlight || this.queryInFlight > 0 || this.loaded === 0) return;
    const gen = this.generation;
    const r = await this.search({ ...this.params, limit: Math.min(500, this.loaded), offset: 0 });
    if (gen !== this.generation || this.pageInFlight || !r.ok) return;
    this.loaded = r.value.results.length;
    this.total = r.value.total;
    this.cb.onRefresh(r.value);
  }
}
