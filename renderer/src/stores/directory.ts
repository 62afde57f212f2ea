import { create } from 'zustand';
import { hasErrorCode, type ContractError, type PostcodePlace, type SearchOrigin, type SearchParams, type ServiceResult } from '../../../shared/contract';
import type { ReferralRoute, ServiceType } from '../../../shared/domain/service-types';
import { desk } from '../client/desk';
import { readOpenAt, type OpenAtReading } from './open-at';
import { SearchRunner } from './search-runner';
import { useCallSession } from './call-session';

/*
 * The directory panel: its filters, the results of the current search (one page at a time), and
 * which result the keyboard is on. Text is searched at every keystroke (one search at a time, the newest winning); the
 * postcode and "open at" once the clinician pauses; every other filter at once. Each call starts
 * clean: a new or resumed call sets everything from that call's record and nothing else.
 */

export interface Filters {
  text: string;
  postcode: string;
  radiusKm: number;
  types: ServiceType[];
  /** The caller's age as text; empty for any age. */
  age: string;
  routes: ReferralRoute[];
  /** Only services open (now, or at the time in openAt). */
  openNow: boolean;
  /** "Open at" as typed ("tonight 02:00"); empty for now. */
  openAt: string;
}

/** Whether age and postcode follow the call record or were set here by hand. */
export interface Sources {
  age: 'record' | 'manual';
  postcode: 'record' | 'manual';
}

interface DirectoryState {
  filters: Filters;
  sources: Sources;
  results: ServiceResult[];
  total: number;
  origin: SearchOrigin | null;
  /** Where the searched postcode lies (its nation), from the core. */
  place: PostcodePlace | null;
  evaluatedAt: string | null;
  /** The "open at" text read when it was typed: the instant results are judged at, or why it cannot be read. */
  openAtReading: OpenAtReading;
  /** A search has been on its way for SEARCHING_SHOWN_AFTER_MS or more ("searching…" beside the count). */
  loading: boolean;
  error: ContractError | null;
  /** The postcode error from the core, shown at the postcode field. */
  postcodeError: string | null;
  /** The query the results answer, for the live count. */
  answered: SearchParams | null;
  hasMore: boolean;
  active: number;
  /** The last search-box keystroke the results on screen answer (for the benchmark's measure). */
  answeredKeystroke: number;
  setFilters(patch: Partial<Filters>, opts?: { source?: 'record' | 'manual' }): void;
  /** The call record's age and postcode changed. */
  followRecord(ctx: { age: number | null; postcode: string }): void;
  /** Another call is open (or none): start again from its postcode and age, and nothing else. */
  startCall(ctx: { age: number | null; postcode: string }): void;
  more(): void;
  setActive(i: number): void;
  moveActive(delta: number): number;
  searchNow(): void;
  /** Asks the shown query again in place (the directory on this desk changed: a catch-up, a report made here). */
  refreshShown(): Promise<void>;
  /** Forgets the caller: search text, postcode, age and filters back to none, no results (someone signed out, or another person signed in). */
  clearCaller(): void;
}

/**
 * Performance marks read by the screen benchmark: from a keystroke in the search box to the first
 * frame showing results at least as new as that keystroke. A keystroke whose own results were
 * never shown (the next key came first) is measured to the results that answered a later one, so
 * a slow search is never hidden by fast typing.
 */
export const KEYSTROKE_MARK = 'crisis-desk:search-keystroke';
export const PAINT_MEASURE = 'crisis-desk:keystroke-to-paint';
/** The screen's own part of it: from an answer reaching the store to the frame that shows it. */
export const ANSWER_PAINT_MEASURE = 'crisis-desk:answer-to-paint';
/**
 * The rest of a keystroke, split (one of each per keystroke measured, beside PAINT_MEASURE): from
 * the key to the search that answered it being sent (the screen, and waiting for a search already
 * on its way), and from sent to answered (the socket both ways, the host and the core).
 */
export const KEY_SEND_MEASURE = 'crisis-desk:keystroke-to-send';
export const TRIP_MEASURE = 'crisis-desk:search-trip';

let keystrokeSeq = 0;
const keystrokes: { seq: number; at: number }[] = [];
/** When the answer on screen (or about to be) reached the store, and when its search was sent; null once measured. */
let answeredAt: number | null = null;
let answerSentAt = 0;

function markKeystroke() {
  keystrokes.push({ seq: ++keystrokeSeq, at: performance.now() });
  performance.clearMarks(KEYSTROKE_MARK);
  performance.mark(KEYSTROKE_MARK);
}

function forgetKeystrokes(upTo: number) {
  while (keystrokes.length && keystrokes[0]!.seq <= upTo) keystrokes.shift();
}

/** Called once results are on screen: measures every keystroke they answer, once. */
export function measurePaint(): void {
  const upTo = useDirectory.getState().answeredKeystroke;
  const end = performance.now();
  let measured = false;
  while (keystrokes.length && keystrokes[0]!.seq <= upTo) {
    const key = keystrokes.shift()!.at;
    performance.measure(PAINT_MEASURE, { start: key, end });
    if (answeredAt !== null) {
      // A key that went back to the search on its way ("cri", "cris", "cri") was sent before it was pressed.
      const sent = Math.max(key, answerSentAt);
      performance.measure(KEY_SEND_MEASURE, { start: key, end: sent });
      performance.measure(TRIP_MEASURE, { start: sent, end: Math.max(sent, answeredAt) });
    }
    measured = true;
  }
  if (measured && answeredAt !== null) performance.measure(ANSWER_PAINT_MEASURE, { start: answeredAt, end });
  answeredAt = null;
}

/**
 * The new answer's results, with each one equal to a result already shown replaced by that one
 * (same service, same facts, judged the same): its card, memoised on the result, then neither
 * renders nor touches the page. Typing "sanc" → "sanct" mostly answers the same services again.
 * Compared as JSON because they arrived as JSON: the same serialiser gives the same text for the
 * same facts (about 0.1 ms for a page of 25).
 */
export function keepUnchanged(shown: readonly ServiceResult[], next: ServiceResult[]): ServiceResult[] {
  if (shown.length === 0) return next;
  const byId = new Map(shown.map((r) => [r.service.id, r]));
  return next.map((r) => {
    const before = byId.get(r.service.id);
    return before && JSON.stringify(before) === JSON.stringify(r) ? before : r;
  });
}

/**
 * "searching…" is shown only for a search still on its way after this long. Shown at every key
 * and gone at every answer (the core answers in a few milliseconds), it changed the count's line
 * twice per keystroke: a style, layout and paint of the panel in the keystroke's frame and again
 * in the answer's, and a flicker nobody could read. A person notices a wait from about 100–200 ms.
 */
export const SEARCHING_SHOWN_AFTER_MS = 200;

export const RADIUS_OPTIONS = [2, 5, 10, 25, 50, 100] as const;

const initialFilters: Filters = { text: '', postcode: '', radiusKm: 25, types: [], age: '', routes: [], openNow: false, openAt: '' };
const NOW: OpenAtReading = { kind: 'now' };
/** What a search shows before anything is asked, or once a call starts clean. */
const noResults = (): Partial<DirectoryState> => ({ results: [], total: 0, origin: null, place: null, error: null, postcodeError: null, answered: null, hasMore: false, active: -1 });

/**
 * Text shorter than this is not searched: a single letter matches most of the directory, tells the
 * clinician nothing, and is the slowest search there is. The other filters still apply. For the
 * same reason a last word of one letter ("crisis c") waits for the next one ("crisis ca").
 */
export const MIN_TEXT = 2;

/** The text to search for, as typed: empty when too short, without a one-letter last word. */
export function searchableText(typed: string): string {
  const words = typed.trim().split(/\s+/);
  while (words.length > 1 && words[words.length - 1]!.length < MIN_TEXT) words.pop();
  const text = words.join(' ');
  return text.length >= MIN_TEXT ? text : '';
}

function paramsOf(f: Filters, openAt: OpenAtReading): SearchParams | null {
  const text = searchableText(f.text);
  const postcode = f.postcode.trim();
  if (!text && !postcode && f.types.length === 0) return null;
  const age = /^\d{1,3}$/.test(f.age.trim()) ? Math.min(130, Number(f.age.trim())) : undefined;
  return {
    ...(text ? { text } : {}),
    ...(postcode ? { postcode, radiusKm: f.radiusKm } : {}),
    ...(f.types.length ? { types: f.types } : {}),
    ...(age !== undefined ? { age } : {}),
    ...(f.routes.length ? { referralRoutes: f.routes } : {}),
    ...(f.openNow ? { openNow: true } : {}),
    // A time that cannot be read is reported at its field; the results stay judged now.
    ...(openAt.kind === 'at' ? { openAt: openAt.iso } : {}),
    includeTemporarilyClosed: true,
  };
}

export const useDirectory = create<DirectoryState>((set, get) => {
  /** The wait before "searching…" is shown, while a search is on its way. */
  let searching: ReturnType<typeof setTimeout> | null = null;
  // Each query carries the search-box keystroke it was asked after: its answer measures up to it.
  const runner = new SearchRunner<number>((p) => desk().call('directory.search', p), {
    onResults: (r, params, keystroke, sentAt) => {
      answeredAt = performance.now();
      answerSentAt = sentAt;
      set({
        results: keepUnchanged(get().results, r.results),
        total: r.total,
        origin: r.origin,
        place: r.place,
        evaluatedAt: r.evaluatedAt,
        error: null,
        postcodeError: null,
        answered: params,
        hasMore: runner.hasMore,
        active: -1,
        answeredKeystroke: keystroke,
      });
    },
    onPage: (r) => set((s) => ({ results: [...s.results, ...r.results], total: r.total, hasMore: runner.hasMore })),
    onError: (error, params, keystroke) => {
      const postcode = hasErrorCode(error, 'postcode_invalid', 'postcode_not_found');
      forgetKeystrokes(keystroke);
      set({ results: [], total: 0, origin: null, place: null, error, postcodeError: postcode ? error.message : null, answered: params, hasMore: false, active: -1 });
    },
    onLoading: (loading) => {
      if (loading) {
        // The first search of a run of keys starts the wait; the next ones do not restart it.
        searching ??= setTimeout(() => set({ loading: true }), SEARCHING_SHOWN_AFTER_MS);
        return;
      }
      if (searching) clearTimeout(searching);
      searching = null;
      if (get().loading) set({ loading: false });
    },
    onRefresh: (r) =>
      set((s) => {
        // The selection stays on the same service, wherever it now is.
        const selected = s.results[s.active]?.service.id;
        const active = selected === undefined ? -1 : r.results.findIndex((x) => x.service.id === selected);
        return { results: keepUnchanged(s.results, r.results), total: r.total, hasMore: runner.hasMore, active };
      }),
  });

  /** Asks for what the filters say now (the runner sends one query at a time, the newest winning). */
  const runLatest = (force = false) => {
    const params = paramsOf(get().filters, get().openAtReading);
    if (!params) {
      forgetKeystrokes(keystrokeSeq);
      set({ ...noResults(), loading: false });
      runner.cancel();
      return;
    }
    // The same query (a trailing space, a first letter): the results shown answer it.
    if (!runner.ask(params, keystrokeSeq, force)) forgetKeystrokes(keystrokeSeq);
  };

  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = (delay: number, force = false) => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (delay <= 0) runLatest(force);
    else
      timer = setTimeout(() => {
        timer = null;
        runLatest(force);
      }, delay);
  };

  return {
    filters: initialFilters,
    sources: { age: 'record', postcode: 'record' },
    results: [],
    total: 0,
    origin: null,
    place: null,
    evaluatedAt: null,
    openAtReading: NOW,
    loading: false,
    error: null,
    postcodeError: null,
    answered: null,
    hasMore: false,
    active: -1,
    answeredKeystroke: 0,

    setFilters(patch, opts) {
      if ('text' in patch) markKeystroke();
      const before = get().filters;
      const filters = { ...before, ...patch };
      const sources = { ...get().sources };
      if ('age' in patch) sources.age = opts?.source ?? 'manual';
      if ('postcode' in patch) sources.postcode = opts?.source ?? 'manual';
      // Read once, when typed: "tonight 02:00" keeps meaning the same instant as the clock moves on.
      const openAtReading = 'openAt' in patch ? readOpenAt(filters.openAt, new Date()) : get().openAtReading;
      set({ filters, sources, openAtReading });
      const onlyText = Object.keys(patch).every((k) => k === 'text');
      const postcodeTyped = 'postcode' in patch && opts?.source !== 'record';
      const openAtTyped = 'openAt' in patch && filters.openAt.trim() !== '';
      schedule(onlyText ? 0 : postcodeTyped || openAtTyped || 'age' in patch ? 350 : 0);
    },

    startCall(ctx) {
      set({
        filters: { ...initialFilters, age: ctx.age === null ? '' : String(ctx.age), postcode: ctx.postcode },
        sources: { age: 'record', postcode: 'record' },
        openAtReading: NOW,
        ...noResults(),
      });
      // Asked again even when the query is the one last sent: what was shown has been cleared.
      schedule(0, true);
    },

    followRecord(ctx) {
      const { sources, filters } = get();
      const patch: Partial<Filters> = {};
      const age = ctx.age === null ? '' : String(ctx.age);
      if (sources.age === 'record' && filters.age !== age) patch.age = age;
      if (sources.postcode === 'record' && ctx.postcode && filters.postcode !== ctx.postcode) patch.postcode = ctx.postcode;
      if (Object.keys(patch).length) get().setFilters(patch, { source: 'record' });
    },

    more() {
      void runner.more();
    },

    setActive: (active) => set({ active }),

    moveActive(delta) {
      const { results, active, hasMore } = get();
      if (results.length === 0) return -1;
      const next = Math.max(0, Math.min(results.length - 1, active < 0 ? (delta > 0 ? 0 : results.length - 1) : active + delta));
      set({ active: next });
      if (hasMore && next >= results.length - 5) void runner.more();
      return next;
    },

    searchNow: () => schedule(0, true),

    refreshShown: async () => {
      if (get().results.length > 0) return runner.refresh();
      if (get().answered) schedule(0, true);
    },

    clearCaller() {
      if (timer) clearTimeout(timer);
      timer = null;
      set({ filters: initialFilters, sources: { age: 'record', postcode: 'record' } });
      runLatest(true);
    },
  };
});

/*
 * Each call starts clean (hazard log: "the previous caller's search shown with a new call"):
 * whenever the open call record changes (a new call, one resumed from the list or after a reload,
 * or none once it is closed, discarded or its clinician signs out), the directory starts again from
 * that record's postcode and age. Watching the record's id, rather than being told by each way a
 * call opens, keeps a new way of opening one from forgetting to.
 */
let callShown: string | null = useCallSession.getState().record?.id ?? null;
useCallSession.subscribe((s) => {
  const id = s.record?.id ?? null;
  if (id === callShown) return;
  callShown = id;
  useDirectory.getState().startCall(s.context);
});

