import { z } from 'zod';
import { LocalCorrection, MAX_PUBLISHED_REPORTS, ServiceReport } from './directory-quality';
import { LocalDate, Schedule } from './schedule';
import { PHONE_TYPES, REFERRAL_ROUTES, SERVICE_STATUSES, SERVICE_TYPES } from './service-types';

export const Phone = z.object({
  number: z.string().min(3).max(40),
  type: z.enum(PHONE_TYPES),
  label: z.string().max(200).optional(),
  /** A directory lead marked this number as not working (a local correction): never offered to a caller. */
  notWorking: z.boolean().optional(),
});
export type Phone = z.infer<typeof Phone>;

export const ServiceLocation = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(300).optional(),
  address: z.string().max(500).optional(),
  postcode: z.string().max(10).optional(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export type ServiceLocation = z.infer<typeof ServiceLocation>;

/**
 * Where a service takes callers from, besides its own sites: postcode districts ("SE5") or
 * areas ("SE"), or the whole country (national helplines).
 */
export const Coverage = z.object({
  national: z.boolean(),
  postcodes: z.array(z.string().regex(/^[A-Z]{1,2}(\d[A-Z\d]?)?$/, 'a postcode area or district')).max(2000),
  description: z.string().max(500).optional(),
});
export type Coverage = z.infer<typeof Coverage>;

/** One service in the directory, as published by the server and cached on each desk. */
export const DirectoryService = z.object({
  id: z.string().min(1).max(200),
  organisation: z.object({ id: z.string().min(1).max(200), name: z.string().min(1).max(300), url: z.string().max(500).optional() }),
  name: z.string().min(1).max(300),
  description: z.string().max(5000).optional(),
  type: z.enum(SERVICE_TYPES),
  status: z.enum(SERVICE_STATUSES),
  /** Shown prominently: temporary closures, changed numbers, capacity warnings. */
  alert: z.string().max(1000).optional(),
  url: z.string().max(500).optional(),
  email: z.string().max(300).optional(),
  ageMin: z.number().int().min(0).max(130).nullable(),
  ageMax: z.number().int().min(0).max(130).nullable(),
  eligibility: z.string().max(1000).optional(),
  referral: z.object({ routes: z.array(z.enum(REFERRAL_ROUTES)), how: z.string().max(2000) }),
  phones: z.array(Phone).max(20),
  locations: z.array(ServiceLocation).max(50),
  coverage: Coverage,
  schedule: Schedule,
  keywords: z.array(z.string().max(100)).max(50),
  /** When the publisher last confirmed the details; null when never. */
  lastVerified: LocalDate.nullable(),
  /** Problems clinicians reported that no directory lead has resolved yet (newest last). */
  openReports: z.array(ServiceReport).max(MAX_PUBLISHED_REPORTS + 50).optional(),
  /** The trust's own corrections, applied on top of the feed until a directory lead removes them. */
  localCorrections: z.array(LocalCorrection).max(50).optional(),
});
export type DirectoryService = z.infer<typeof DirectoryService>;

/** Data older than this is flagged to the clinician as possibly out of date. */
export const STALE_AFTER_DAYS = 365;
