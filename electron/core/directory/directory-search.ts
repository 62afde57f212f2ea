import type Database from 'better-sqlite3-multiple-ciphers';
import type { OpenState, SearchOrigin, SearchParams, SearchResult, ServiceResult } from '../../../shared/contract';
import { STALE_AFTER_DAYS, type DirectoryService } from '../../../shared/domain/directory';
import { referralRouteMask, SERVICE_STATUSES, SERVICE_TYPES } from '../../../shared/domain/service-types';
import { FTS_WEIGHTS } from '../../../shared/directory/schema';
import { readServices } from '../../../shared/directory/store';
import type { BankHolidayCalendar } from '../../../shared/lib/bank-holidays';
import { londonMomentOf } from '../../../shared/lib/calendar';
import { boundingBox, distanceKm } from '../../../shared/lib/geo';
import { isOpen, openContextAt, openStatus } from '../../../shared/lib/opening-hours';
import { areaOfDistrict } from '../../../shared/lib/postcode';
import type { SearchIndex } from './search-index';

export const DEFAULT_RADIUS_KM = 25;
export const DEFAULT_LIMIT = 50;

const TEMPORARILY_CLOSED = SERVICE_STATUSES.indexOf('temporarily_closed');
const DEFUNCT = SERVICE_STATUSES.indexOf('defunct');

/** Proximity points for a service that takes callers from the origin's area but has no site near it. */
const COVERS_AREA_PROXIMITY = 0.5;
const NATIONAL_PROXIMITY = 0.25;
/** Distance at which proximity halves. */
const PROXIMITY_HALF_KM = 3;

/** FTS5 query: every word as a prefix, all words required. Returns null when nothing searchable was typed. */
export function ftsQuery(text: string): string | null {
  const words = text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  return words.slice(0, 8).map((w) => `"${w}"*`).join(' ');
}

interface Candidate {
  i: number;
  distance: number;
  covers: boolean;
  relevance: number;
  open: boolean;
  tier: number;
  score: number;
}

export interface SearchContext {
  origin: SearchOrigin | null;
  originDistrict: string | null;
  at: Date;
  calendar: BankHolidayCalendar;
}

/** The search over one loaded directory: index in memory, text and pages in SQLite. */
export class DirectorySearch {
  private readonly ftsStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly index: SearchIndex,
  ) {
    this.ftsStmt = db.prepare(`SELECT rowid, bm25(service_fts, ${FTS_WEIGHTS.join(', ')}) FROM service_fts WHERE service_fts MATCH ?`).raw();
  }

  /** rowid → bm25 rank (more negative is better) of every service matching the text. */
  private textMatches(query: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const [rowid, rank] of this.ftsStmt.all(query) as [number, number][]) {
      const i = this.index.indexOf(rowid);
      if (i !== undefined) out.set(i, rank);
    }
    return out;
  }

  search(p: SearchParams, ctx: SearchContext): Omit<SearchResult, 'directory'> {
    const idx = this.index;
    const query = p.text ? ftsQuery(p.text) : null;
    const text = query ? this.textMatches(query) : null;
    const origin = ctx.origin;
    const radius = p.radiusKm ?? DEFAULT_RADIUS_KM;

    // Candidates with their distance (Infinity when not located near the origin).
    const distance = new Map<number, number>();
    const covers = new Set<number>();
    if (origin) {
      const box = boundingBox(origin, radius);
      idx.locationsInBox(box.minLat, box.maxLat, box.minLon, box.maxLon, (j) => {
        const i = idx.locService[j]!;
        if (i < 0) return;
        const d = distanceKm(origin.lat, origin.lon, idx.locLat[j]!, idx.locLon[j]!);
        if (d <= radius && d < (distance.get(i) ?? Infinity)) distance.set(i, d);
      });
      if (ctx.originDistrict) {
        for (const code of [ctx.originDistrict, areaOfDistrict(ctx.originDistrict)]) for (const i of idx.coveringCode(code)) covers.add(i);
      }
      for (const i of idx.nationalServices) covers.add(i);
    }

    let pool: Iterable<number>;
    if (origin) pool = new Set([...distance.keys(), ...covers]);
    else if (text) pool = text.keys();
    else pool = Array.from({ length: idx.size }, (_, i) => i);

    const typeMask = p.types?.length ? p.types.reduce((m, t) => m | (1 << SERVICE_TYPES.indexOf(t)), 0) : -1;
    const routeMask = p.referralRoutes?.length ? referralRouteMask(p.referralRoutes) : -1;
    const openCtx = openContextAt(ctx.at, ctx.calendar);
    let bestRank = -1e-9;
    if (text) for (const rank of text.values()) if (rank < bestRank) bestRank = rank;

    const candidates: Candidate[] = [];
    for (const i of pool) {
      const status = idx.status[i]!;
      if (status === DEFUNCT) continue;
      if (status === TEMPORARILY_CLOSED && p.includeTemporarilyClosed === false) continue;
      if (typeMask !== -1 && ((1 << idx.type[i]!) & typeMask) === 0) continue;
      if (routeMask !== -1 && (idx.routes[i]! & routeMask) === 0) continue;
      if (p.age !== undefined) {
        const lo = idx.ageMin[i]!, hi = idx.ageMax[i]!;
        if ((lo >= 0 && p.age < lo) || (hi >= 0 && p.age > hi)) continue;
      }
      let relevance = 1;
      if (text) {
        const rank = text.get(i);
        if (rank === undefined) continue;
        relevance = rank / bestRank;
      }
      const open = status !== TEMPORARILY_CLOSED && isOpen(idx.schedule(i), openCtx);
      if (p.openNow && !open) continue;
      const d = distance.get(i) ?? Infinity;
      const isCovered = covers.has(i);
      let score = relevance;
      if (origin) {
        let proximity = Number.isFinite(d) ? 1 / (1 + d / PROXIMITY_HALF_KM) : 0;
        if (isCovered) proximity = Math.max(proximity, idx.national[i] ? NATIONAL_PROXIMITY : COVERS_AREA_PROXIMITY);
        score = text ? (proximity + relevance) / 2 : proximity;
      }
      candidates.push({ i, distance: d, covers: isCovered, relevance, open, tier: status === TEMPORARILY_CLOSED ? 2 : open ? 0 : 1, score });
    }

    candidates.sort((a, b) => a.tier - b.tier || b.score - a.score || (idx.name[a.i]! < idx.name[b.i]! ? -1 : idx.name[a.i]! > idx.name[b.i]! ? 1 : 0));
    const offset = p.offset ?? 0;
    const page = candidates.slice(offset, offset + (p.limit ?? DEFAULT_LIMIT));
    const services = readServices(this.db, page.map((c) => idx.rowid[c.i]!));
    const today = londonMomentOf(ctx.at).day;
    const results: ServiceResult[] = page.map((c) => {
      const service = services.get(idx.rowid[c.i]!)!;
      return {
        service,
        distanceKm: Number.isFinite(c.distance) ? Math.round(c.distance * 100) / 100 : null,
        coversOrigin: c.covers,
        openState: this.openStateOf(c.i, service, ctx),
        ...dataAge(idx.verifiedDay[c.i]!, today),
        score: Math.round(c.score * 1000) / 1000,
      };
    });
    return { results, total: candidates.length, origin, evaluatedAt: ctx.at.toISOString() };
  }

  openStateOf(i: number, service: DirectoryService, ctx: Pick<SearchContext, 'at' | 'calendar'>): OpenState {
    const s = openStatus(this.index.schedule(i), ctx.at, ctx.calendar);
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

export function dataAge(verifiedDay: number, today: number): { dataAgeDays: number | null; stale: boolean } {
  if (verifiedDay < 0) return { dataAgeDays: null, stale: true };
  const days = Math.max(0, today - verifiedDay);
  return { dataAgeDays: days, stale: days > STALE_AFTER_DAYS };
}
