import type Database from 'better-sqlite3-multiple-ciphers';
import type { Catchment, OpenState, SearchOrigin, SearchParams, SearchResult, ServiceResult } from '../../../shared/contract';
import { STALE_AFTER_DAYS, type DirectoryService } from '../../../shared/domain/directory';
import { referralRouteMask, SERVICE_STATUSES, SERVICE_TYPES } from '../../../shared/domain/service-types';
import { DirectoryReader } from '../../../shared/directory/store';
import { TopK } from './top-k';
import type { BankHolidayCalendar } from '../../../shared/lib/bank-holidays';
import { londonMomentOf } from '../../../shared/lib/calendar';
import { boundingBox, distanceKm } from '../../../shared/lib/geo';
import { isOpen, openContextAt, openStatus, type OpenStatus } from '../../../shared/lib/opening-hours';
import { areaOfDistrict } from '../../../shared/lib/postcode';
import { foldText } from './fold-text';
import { allOf, type FtsVocabulary } from './fts-vocabulary';
import type { SearchIndex } from './search-index';
import { hasSlot, type WordMatchSets } from './word-match-sets';

export const DEFAULT_RADIUS_KM = 25;
/** A first screenful and some; the screen asks for the next page as the clinician scrolls. */
export const DEFAULT_LIMIT = 25;

const TEMPORARILY_CLOSED = SERVICE_STATUSES.indexOf('temporarily_closed');
const DEFUNCT = SERVICE_STATUSES.indexOf('defunct');

/** Proximity points for a service that takes callers from the origin's area but has no site near it. */
const COVERS_AREA_PROXIMITY = 0.5;
const NATIONAL_PROXIMITY = 0.25;
/** Distance at which proximity halves. */
const PROXIMITY_HALF_KM = 3;

/** The words typed, folded as FTS5's tokenizer folds them (lower case, no accents); null when none. */
export function searchWords(text: string): string[] | null {
  const words = foldText(text).match(/[\p{L}\p{N}]+/gu);
  return words ? words.slice(0, 8) : null;
}

/**
 * FTS5 query: every word as a prefix, all words required. With a vocabulary, a word may be asked
 * for as the terms that begin with it: the same matches, found sooner (FtsVocabulary).
 */
export function ftsQuery(words: readonly string[], vocabulary?: FtsVocabulary | null): string {
  return allOf(words.map((w) => (vocabulary ? vocabulary.phrase(w) : `"${w}"*`)));
}

export interface SearchContext {
  origin: SearchOrigin | null;
  originDistrict: string | null;
  at: Date;
  calendar: BankHolidayCalendar;
}

/** Text relevance: every typed word begins a word of the name, or they were found elsewhere. */
const RELEVANCE = { name: 1, elsewhere: 0.4 } as const;
const TIER = { open: 0, closed: 1, temporarilyClosed: 2 } as const;

/** How a result serves the caller's place (the contract's Catchment), as stored per slot during a search. */
const KIND = { none: 0, covers: 1, siteNearby: 2, outsideCatchment: 3, national: 4 } as const;
/**
 * The second ranking key, after the open tier: services that serve the caller's place (their
 * catchment includes it, or a site is near and they publish no catchment) before a site nearby
 * whose catchment leaves the caller out, and both before national services. README "Ranking".
 */
const CATCHMENT_RANK: readonly number[] = [0, 0, 0, 1, 2];

/**
 * The search over one loaded directory: facts in memory, text and coverage in SQLite, whole
 * services read from SQLite for the page shown. Scratch arrays are sized to the directory and
 * reused, stamped with a per-search epoch instead of being cleared.
 */
export class DirectorySearch {
  private readonly ftsAll: Database.Statement;
  private readonly covering: Database.Statement;
  private readonly reader: DirectoryReader;
  private epoch = 0;
  // Scratch space, one entry per index slot, stamped with the search's epoch instead of cleared.
  private inPool = new Uint32Array(0);
  private textStamp = new Uint32Array(0);
  private distStamp = new Uint32Array(0);
  private dist = new Float64Array(0);
  private coverStamp = new Uint32Array(0);
  private pool = new Int32Array(0);
  private tier = new Uint8Array(0);
  private kind = new Uint8Array(0);
  private score = new Float64Array(0);
  // One entry per distinct schedule: "open now" asked once per schedule per minute, not per
  // search. The answer is a pure function of the schedule and the London minute (with its bank
  // holidays), and a clinician types many keystrokes a minute: for a common word the matches span
  // most of the 6,956 schedules of the 100k directory, and asking each again was most of judging
  // them ("sanct", 7,609 matches: 2.2 of its 4.0 ms judged).
  private openStamp = new Uint32Array(0);
  private openValue = new Uint8Array(0);
  /** The minute the stamps answer for: openStamp[n] === openMinuteStamp when schedule n was asked at that minute. */
  private openMinute: { day: number; minute: number; calendar: BankHolidayCalendar } | null = null;
  private openMinuteStamp = 0;
  /**
   * The full status ("until", "next opens") of the schedules on the pages shown this minute, per
   * schedule: it depends on the London minute, not the second (openStatus), and consecutive
   * keystrokes show mostly the same services (0.3 ms of a search's page, measured).
   */
  private statusStamp = new Uint32Array(0);
  private readonly statusOf: OpenStatus[] = [];

  /**
   * With exhaustive set, every match is judged in full (each "open now" asked per service, no
   * service refused before its distance, none passed over once the page is full): the plain
   * judgement the shortcuts must agree with, kept for the tests that hold them to it.
   */
  private readonly exhaustive: boolean;
  private readonly vocabulary: FtsVocabulary | null;
  private readonly wordSets: WordMatchSets | null;

  constructor(
    db: Database.Database,
    private readonly index: SearchIndex,
    options: { exhaustive?: boolean; vocabulary?: FtsVocabulary; wordSets?: WordMatchSets } = {},
  ) {
    this.exhaustive = options.exhaustive ?? false;
    // The plain judgement asks FTS5 for every word as a prefix.
    this.vocabulary = this.exhaustive ? null : (options.vocabulary ?? null);
    this.wordSets = this.exhaustive ? null : (options.wordSets ?? null);
    this.ftsAll = db.prepare('SELECT rowid FROM service_fts WHERE service_fts MATCH ?').pluck();
    this.covering = db.prepare('SELECT service_rowid FROM coverage WHERE code IN (?, ?)').pluck();
    this.reader = new DirectoryReader(db);
  }

  /** Grows the scratch space when the index has grown (new services from a catch-up). */
  private fitScratch(): void {
    const n = this.index.size;
    const schedules = this.index.scheduleCount;
    if (this.pool.length >= n && this.openStamp.length >= schedules) return;
    // Every stamp array starts afresh together with the epoch, so no old stamp can match a new search.
    this.openStamp = new Uint32Array(Math.ceil(schedules * 1.25) + 16);
    this.openValue = new Uint8Array(this.openStamp.length);
    this.statusStamp = new Uint32Array(this.openStamp.length);
    this.openMinute = null;
    const capacity = Math.ceil(n * 1.25) + 16;
    this.inPool = new Uint32Array(capacity);
    this.textStamp = new Uint32Array(capacity);
    this.distStamp = new Uint32Array(capacity);
    this.dist = new Float64Array(capacity);
    this.coverStamp = new Uint32Array(capacity);
    this.pool = new Int32Array(capacity);
    this.tier = new Uint8Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.score = new Float64Array(capacity);
    this.epoch = 0;
  }

  /** Marks every service matching the text and passes each to visit. */
  private matchText(query: string, epoch: number, visit: ((i: number) => void) | null): void {
    for (const rowid of this.ftsAll.all(query) as number[]) {
      const i = this.index.slotOf(rowid);
      if (i === undefined) continue;
      this.textStamp[i] = epoch;
      visit?.(i);
    }
  }

  search(p: SearchParams, ctx: SearchContext): Omit<SearchResult, 'directory' | 'place'> {
    const idx = this.index;
    this.fitScratch();
    const epoch = ++this.epoch;
    const words = p.text ? searchWords(p.text) : null;
    const wordStarts = words?.map((w) => ` ${w}`) ?? null;
    const origin = ctx.origin;
    const radius = p.radiusKm ?? DEFAULT_RADIUS_KM;
    const exhaustive = this.exhaustive;

    const typeMask = p.types?.length ? p.types.reduce((m, t) => m | (1 << SERVICE_TYPES.indexOf(t)), 0) : -1;
    const routeMask = p.referralRoutes?.length ? referralRouteMask(p.referralRoutes) : -1;
    const openCtx = openContextAt(ctx.at, ctx.calendar);
    const openStamp = this.openStamp, openValue = this.openValue;
    const asked = this.openMinute;
    if (!asked || asked.day !== openCtx.day || asked.minute !== openCtx.minute || asked.calendar !== ctx.calendar) {
      this.openMinute = { day: openCtx.day, minute: openCtx.minute, calendar: ctx.calendar };
      this.openMinuteStamp++;
    }
    const minuteStamp = this.openMinuteStamp;
    /** Open now (by its schedule, number n; a temporarily closed service is never open), asked once per schedule per minute. */
    const openNowOf = (i: number, status: number, n: number): boolean => {
      if (status === TEMPORARILY_CLOSED) return false;
      if (exhaustive) return isOpen(idx.schedule(i), openCtx);
      if (openStamp[n] !== minuteStamp) {
        openStamp[n] = minuteStamp;
        openValue[n] = isOpen(idx.schedule(i), openCtx) ? 1 : 0;
      }
      return openValue[n] === 1;
    };
    const openNow = (i: number): boolean => openNowOf(i, idx.status[i]!, idx.scheduleNo[i]!);
    /**
     * The filters that need neither text nor place, given slot i's facts: typed-array reads,
     * cheaper than a distance or a text match.
     */
    const admits = (i: number, status: number, type: number, routes: number, lo: number, hi: number, scheduleNo: number): boolean => {
      if (status === DEFUNCT) return false;
      if (status === TEMPORARILY_CLOSED && p.includeTemporarilyClosed === false) return false;
      if (typeMask !== -1 && ((1 << type) & typeMask) === 0) return false;
      if (routeMask !== -1 && (routes & routeMask) === 0) return false;
      if (p.age !== undefined && ((lo >= 0 && p.age < lo) || (hi >= 0 && p.age > hi))) return false;
      return !p.openNow || openNowOf(i, status, scheduleNo);
    };
    const admissible = (i: number): boolean =>
      admits(i, idx.status[i]!, idx.type[i]!, idx.routes[i]!, idx.ageMin[i]!, idx.ageMax[i]!, idx.scheduleNo[i]!);

    // The pool: services near the origin or covering it; else those matching the text; else all.
    let poolSize = 0;
    const addToPool = (i: number) => {
      if (this.inPool[i] !== epoch) {
        this.inPool[i] = epoch;
        this.pool[poolSize++] = i;
      }
    };
    // The words' services: a bitset over rowids when the common ones are kept in memory
    // (WordMatchSets: near a place, only the services the place and filters leave are tested),
    // else each stamped from FTS5's answer.
    const textBits = words && this.wordSets ? this.wordSets.match(words) : null;
    const textStamp = this.textStamp;
    const hasText = textBits ? (i: number) => hasSlot(textBits, i) : (i: number) => textStamp[i] === epoch;
    // By words alone from the bitset, the pool is the words' services in slot order, each once.
    const poolIsText = textBits !== null && !origin;
    if (poolIsText) {
      for (let j = 0; j < textBits.length; j++) {
        for (let w = textBits[j]!; w !== 0; w &= w - 1) this.pool[poolSize++] = j * 32 + 31 - Math.clz32(w & -w);
      }
    } else if (words && !textBits) this.matchText(ftsQuery(words, this.vocabulary), epoch, origin ? null : addToPool);
    if (origin) {
      const box = boundingBox(origin, radius);
      // Each location in the box costs a great-circle distance; a service the filters or the text
      // leave out is refused before it (a type filter near SE5 leaves about one in twenty), by the
      // copies of its facts packed beside the location, read in order (the index's arrays at its
      // slot were scattered reads over the 15,000 locations near SE5).
      const g = idx.packedGrid();
      idx.locationsInBox(box.minLat, box.maxLat, box.minLon, box.maxLon, (i, lat, lon, k) => {
        if (!exhaustive && ((words && !hasText(i)) || !admits(i, g.status[k]!, g.type[k]!, g.routes[k]!, g.ageMin[k]!, g.ageMax[k]!, g.scheduleNo[k]!))) return;
        const d = distanceKm(origin.lat, origin.lon, lat, lon);
        if (d > radius) return;
        if (this.distStamp[i] !== epoch || d < this.dist[i]!) {
          this.distStamp[i] = epoch;
          this.dist[i] = d;
        }
        addToPool(i);
      });
      const cover = (i: number) => {
        this.coverStamp[i] = epoch;
        addToPool(i);
      };
      if (ctx.originDistrict) {
        for (const rowid of this.covering.all(ctx.originDistrict, areaOfDistrict(ctx.originDistrict)) as number[]) {
          const i = idx.slotOf(rowid);
          if (i !== undefined) cover(i);
        }
      }
      for (const i of idx.nationalServices()) addToPool(i);
    } else if (!words) {
      for (let i = 0; i < idx.size; i++) addToPool(i);
    }

    const hasCatchment = origin ? idx.catchments() : null;
    const offset = p.offset ?? 0;
    const top = new TopK(offset + (p.limit ?? DEFAULT_LIMIT), (a, b) => {
      const byTier = this.tier[a]! - this.tier[b]!;
      if (byTier !== 0) return byTier;
      const byCatchment = CATCHMENT_RANK[this.kind[a]!]! - CATCHMENT_RANK[this.kind[b]!]!;
      if (byCatchment !== 0) return byCatchment;
      const byScore = this.score[b]! - this.score[a]!;
      if (byScore !== 0) return byScore;
      return idx.compareNames(a, b);
    });

    let total = 0;
    for (let k = 0; k < poolSize; k++) {
      const i = this.pool[k]!;
      if (!admissible(i)) continue;
      if (words && !poolIsText && !hasText(i)) continue;
      total++;
      const status = idx.status[i]!;
      const tier = status === TEMPORARILY_CLOSED ? TIER.temporarilyClosed : openNow(i) ? TIER.open : TIER.closed;
      let kind: number = KIND.none;
      let proximity = 0;
      if (origin) {
        // Everything in the pool is near the origin, covers it, or is national.
        const near = this.distStamp[i] === epoch;
        proximity = near ? 1 / (1 + this.dist[i]! / PROXIMITY_HALF_KM) : 0;
        if (this.coverStamp[i] === epoch) {
          kind = KIND.covers;
          proximity = Math.max(proximity, COVERS_AREA_PROXIMITY);
        } else if (near) {
          // Without a postcode (a position) there is no district to hold a catchment against.
          kind = hasCatchment![i] && !idx.national[i] && ctx.originDistrict ? KIND.outsideCatchment : KIND.siteNearby;
        } else {
          kind = KIND.national;
          proximity = NATIONAL_PROXIMITY;
        }
      }
      // Once the page is full, a match that cannot rank before the worst kept one is only counted:
      // for common words most matches stop here, before the name is read (measured: "crisis caf",
      // 13,885 matches, judged in a third of the time).
      if (!exhaustive && top.full) {
        const w = top.worst();
        if (w === undefined) continue;
        const byTier = tier - this.tier[w]!;
        if (byTier > 0) continue;
        if (byTier === 0) {
          const byCatchment = CATCHMENT_RANK[kind]! - CATCHMENT_RANK[this.kind[w]!]!;
          if (byCatchment > 0) continue;
          if (byCatchment === 0) {
            // The best score this match could have, were the name to hold every word.
            const byScore = this.score[w]! - scoreOf(origin !== null, words !== null, proximity, RELEVANCE.name);
            if (byScore > 0 || (byScore === 0 && idx.compareNames(i, w) > 0)) continue;
          }
        }
      }
      const relevance: number = wordStarts ? (idx.nameStartsWords(i, wordStarts) ? RELEVANCE.name : RELEVANCE.elsewhere) : 1;
      this.kind[i] = kind;
      this.tier[i] = tier;
      this.score[i] = scoreOf(origin !== null, words !== null, proximity, relevance);
      top.push(i);
    }

    const page = top.sorted().slice(offset);
    const services = this.reader.read(page.map((i) => idx.rowid[i]!));
    const today = londonMomentOf(ctx.at).day;
    const results: ServiceResult[] = page.map((i) => {
      const service = services.get(idx.rowid[i]!)!;
      return {
        service,
        distanceKm: this.distStamp[i] === epoch ? Math.round(this.dist[i]! * 100) / 100 : null,
        coversOrigin: this.coverStamp[i] === epoch || (origin !== null && idx.national[i] === 1),
        catchment: catchmentOf(this.kind[i]!, service, ctx.originDistrict),
        openState: this.openStateOf(i, service, ctx, minuteStamp),
        ...dataAge(idx.verifiedDay[i]!, today),
        score: Math.round(this.score[i]! * 1000) / 1000,
      };
    });
    return { results, total, origin, evaluatedAt: ctx.at.toISOString() };
  }

  /** The open state of slot i's service at ctx.at; minuteStamp when ctx.at is within this search's minute (the plain judgement asks afresh). */
  openStateOf(i: number, service: DirectoryService, ctx: Pick<SearchContext, 'at' | 'calendar'>, minuteStamp?: number): OpenState {
    let s: OpenStatus;
    const n = this.index.scheduleNo[i]!;
    if (minuteStamp === undefined || this.exhaustive) s = openStatus(this.index.schedule(i), ctx.at, ctx.calendar);
    else if (this.statusStamp[n] === minuteStamp) s = this.statusOf[n]!;
    else {
      s = openStatus(this.index.schedule(i), ctx.at, ctx.calendar);
      this.statusStamp[n] = minuteStamp;
      this.statusOf[n] = s;
    }
    const day = londonMomentOf(ctx.at).day;
    const closedForGood = service.status !== 'active';
    return {
      open: s.open && !closedForGood,
      until: closedForGood ? null : (s.until?.toISOString() ?? null),
      nextOpen: closedForGood ? null : (s.nextOpen?.toISOString() ?? null),
      todayIs: s.todayIs,
      bankHolidayName: ctx.calendar.nameOf(day),
    };
  }
}

/** A match's score: its relevance, its proximity, or their mean when the search has both. */
function scoreOf(hasOrigin: boolean, hasWords: boolean, proximity: number, relevance: number): number {
  if (!hasOrigin) return relevance;
  return hasWords ? (proximity + relevance) / 2 : proximity;
}

function catchmentOf(kind: number, service: DirectoryService, district: string | null): Catchment | null {
  switch (kind) {
    case KIND.covers: {
      const code = district && service.coverage.postcodes.includes(district) ? district : district ? areaOfDistrict(district) : '';
      return { kind: 'covers', code };
    }
    case KIND.siteNearby:
      return { kind: 'site_nearby' };
    case KIND.outsideCatchment:
      return { kind: 'outside_catchment' };
    case KIND.national:
      return { kind: 'national' };
    default:
      return null;
  }
}

export function dataAge(verifiedDay: number, today: number): { dataAgeDays: number | null; stale: boolean } {
  if (verifiedDay < 0) return { dataAgeDays: null, stale: true };
  const days = Math.max(0, today - verifiedDay);
  return { dataAgeDays: days, stale: days > STALE_AFTER_DAYS };
}
