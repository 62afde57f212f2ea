import { z } from 'zod';
import type { DirectoryService } from '../domain/directory';
import { REPORT_KINDS, ReportNote } from '../domain/directory-quality';
import type { Nation } from '../domain/nations';
import { REFERRAL_ROUTES, SERVICE_TYPES } from '../domain/service-types';

export const SearchParams = z.object({
  /** Free text as typed; every word is matched as a prefix. */
  text: z.string().max(200).optional(),
  /** Caller postcode: full, sector ("SE5 8") or district ("SE5"), any case, with or without a space. */
  postcode: z.string().max(12).optional(),
  position: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  radiusKm: z.number().positive().max(500).optional(),
  types: z.array(z.enum(SERVICE_TYPES)).max(SERVICE_TYPES.length).optional(),
  /** The caller's age: services whose age range excludes it are left out. */
  age: z.number().int().min(0).max(130).optional(),
  referralRoutes: z.array(z.enum(REFERRAL_ROUTES)).max(REFERRAL_ROUTES.length).optional(),
  openNow: z.boolean().optional(),
  /** Judge "open" at this instant instead of now ("what is open at 02:00 tonight?"). */
  openAt: z.iso.datetime({ offset: true }).optional(),
  includeTemporarilyClosed: z.boolean().optional(),
  limit: z.number().int().min(1).max(500).optional(),
  offset: z.number().int().min(0).max(100_000).optional(),
});
export type SearchParams = z.infer<typeof SearchParams>;

/** Where distances are measured from, and how precisely that place is known. */
export interface SearchOrigin {
  /** For people: "SE5 8AZ", "SE5 8", "SE5", "Position". */
  label: string;
  /** The postcode district ("SE5") that catchments are matched on; null for a position. */
  district: string | null;
  lat: number;
  lon: number;
  precision: 'sector' | 'district' | 'position';
  /** 90% of the postcodes in that sector or district lie within this many km of the point. */
  radiusKm: number | null;
}

/** Where a caller's postcode lies, to tell the clinician when it is outside England. */
export interface PostcodePlace {
  /** The postcode as read: "DG1 1AA", "SY10 7", "BT7". */
  label: string;
  /** The nation it lies in; two for a district that crosses the border of England and Wales. */
  nations: Nation[];
}

/**
 * How a result serves the caller's place (README "Ranking"), best first: its published catchment
 * includes the caller's postcode district or area (`code` says which); it has a site within the
 * radius and publishes no catchment; it has a site within the radius but its catchment does not
 * include the caller; it is a national service.
 */
export type Catchment = { kind: 'covers'; code: string } | { kind: 'site_nearby' } | { kind: 'outside_catchment' } | { kind: 'national' };

export interface OpenState {
  open: boolean;
  /** ISO instant the current opening ends; null when open around the clock. */
  until: string | null;
  /** ISO instant it next opens, when closed. */
  nextOpen: string | null;
  /** Why today differs from the weekly pattern. */
  todayIs: 'bank_holiday' | 'exception' | null;
  bankHolidayName: string | null;
}

export interface ServiceResult {
  service: DirectoryService;
  /** To the nearest site, from the origin; null without an origin or for a service with no site. */
  distanceKm: number | null;
  /** The service's coverage includes the caller's postcode (or it is national). */
  coversOrigin: boolean;
  /** How it serves the caller's place; null when the search has no postcode or position. */
  catchment: Catchment | null;
  openState: OpenState;
  /** Days since the publisher last verified the details; null when never verified. */
  dataAgeDays: number | null;
  stale: boolean;
  /** The ranking score (higher first within the same open tier); see README "Ranking". */
  score: number;
}

export interface SearchResult {
  results: ServiceResult[];
  /** How many services matched in all (results holds one page). */
  total: number;
  origin: SearchOrigin | null;
  /** Where the postcode searched lies; null without a postcode. A Northern Ireland postcode has a place and no origin. */
  place: PostcodePlace | null;
  /** The instant "open" was judged at. */
  evaluatedAt: string;
}

/**
 * What the status bar says about the directory on this desk. Not part of a search's answer (that
 * would be a meta read and a status-bar render per keystroke): the screen reads it once with
 * system.info and is told of each change by the directory.updated event.
 */
export interface DirectoryInfo {
  services: number;
  version: string | null;
  publishedAt: string | null;
  /** When this desk last received directory data from the server. */
  syncedAt: string | null;
  bankHolidaysCoverUntil: string;
}

/**
 * A clinician reports a problem with a service: queued like a call record's change,
 * shown on this desk at once and on every desk of the trust once published.
 */
export const ReportProblemParams = z.object({
  serviceId: z.string().min(1).max(200),
  kind: z.enum(REPORT_KINDS),
  /** Short, and nothing about the caller: it is shown on every desk of the trust. */
  note: ReportNote.optional(),
  /** The number that was not answering, when the report is about one of the service's numbers. */
  phone: z.string().max(40).optional(),
  /** Who the screen believes is reporting (as calls.ts AuthorId). */
  authorId: z.string().max(200).nullable().optional(),
});
