import { DirectoryService } from '../../../shared/domain/directory';
import type { ServiceStatus } from '../../../shared/domain/service-types';
import { dateOfDayNumber } from '../../../shared/lib/calendar';
import type { PostcodeCentroids } from '../../../shared/lib/postcode-centroids';
import { plainTextOf, readEmail, readText, readUrl, truncate } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedService } from './feed-model';
import { quote } from './json-values';
import { mapCoverage } from './map-coverage';
import { mapEligibility } from './map-eligibility';
import { mapLocations } from './map-locations';
import { mapPhones } from './map-phones';
import { mapReferral } from './map-referral';
import { readHours } from './read-hours';
import { readDate } from './read-times';
import { resolveSchedule, type ResolveContext } from './resolve-schedule';
import { serviceTypeFor, type TaxonomyMapping, type TaxonomyTermRef } from './taxonomy-mapping';

export interface MapContext {
  source: string;
  mapping: TaxonomyMapping;
  centroids: PostcodeCentroids;
  schedule: ResolveContext;
}

export const NO_HOURS_ALERT = 'No current opening hours published: check with the service before referring.';

/** The record's id and name as far as they can be read, quietly: for labelling defects and spotting duplicates. */
export function identityOf(record: FeedService): { id: string | null; name: string | null } {
  const id = typeof record.id === 'string' || (typeof record.id === 'number' && Number.isFinite(record.id)) ? String(record.id).trim() : '';
  const name = plainTextOf(record.name);
  return { id: id || null, name: name ? truncate(name, 300) : null };
}

const STATUSES: [RegExp, ServiceStatus][] = [
  [/^(active|open|live|current|operational)$/, 'active'],
  [/^(temporarily[ _-]?closed|closed[ _-]?temporarily|inactive|suspended|paused|on[ _-]?hold)$/, 'temporarily_closed'],
  [/^(defunct|closed|permanently[ _-]?closed|ceased|discontinued|deleted|withdrawn|archived)$/, 'defunct'],
];

function mapStatus(raw: unknown, d: RecordDefects): ServiceStatus | null {
  if (raw === undefined || raw === null || raw === '') {
    d.warn('status', 'No status given; published as active.');
    return 'active';
  }
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const found = STATUSES.find(([re]) => re.test(s));
  if (found) return found[1];
  d.leaveOut('status', `Status ${quote(raw)} is not one of active, inactive, defunct or temporarily closed, so whether the service runs is unknown; not imported.`);
  return null;
}

function mapOrganisation(feed: FeedService, serviceName: string, rawId: string, ctx: MapContext, d: RecordDefects): DirectoryService['organisation'] {
  const org = feed.organization;
  const name = org ? readText(org.name, 'organization.name', 300, d) : undefined;
  const orgId = org && (typeof org.id === 'string' || typeof org.id === 'number') ? String(org.id).trim() : '';
  const url = org ? readUrl(org.url, 'organization.website', 500, d) : undefined;
  const id = orgId && `${ctx.source}:${orgId}`.length <= 200 ? `${ctx.source}:${orgId}` : `${ctx.source}:organisation-of:${rawId}`.slice(0, 200);
  if (!name) {
    d.repair('organization', "No organisation name given; the service's own name is shown as its organisation.");
    return { id, name: serviceName, ...(url ? { url } : {}) };
  }
  return { id, name, ...(url ? { url } : {}) };
}

function mapLastVerified(feed: FeedService, asOf: number, d: RecordDefects): string | null {
  const usable = (field: string, raw: unknown): number | null => {
    const day = readDate(raw);
    if (day === undefined) return null;
    if (day === 'invalid') {
      d.warn(field, `${field} ${quote(raw)} is not a date; ignored.`);
      return null;
    }
    if (day > asOf) {
      d.warn(field, `${field} ${dateOfDayNumber(day)} is in the future; ignored, so the data is not shown as fresher than it is.`);
      return null;
    }
    return day;
  };
  const day = usable('assured_date', feed.assuredDate) ?? usable('last_modified', feed.lastModified);
  if (day !== null) return dateOfDayNumber(day);
  const fromMetadata = feed.metadataDates.map((raw) => readDate(raw)).filter((v): v is number => typeof v === 'number' && v <= asOf);
  return fromMetadata.length ? dateOfDayNumber(Math.max(...fromMetadata)) : null;
}

function termsOf(feed: FeedService): TaxonomyTermRef[] {
  const orNull = (raw: unknown) => plainTextOf(raw) || null;
  return feed.taxonomyTerms.map((t) => ({ name: orNull(t.name), code: orNull(t.code), vocabulary: orNull(t.vocabulary) })).filter((t) => t.name || t.code);
}

function keywordsOf(terms: TaxonomyTermRef[]): string[] {
  const out: string[] = [];
  for (const t of terms) {
    const k = t.name ? truncate(t.name, 100) : null;
    if (k && !out.some((o) => o.toLowerCase() === k.toLowerCase())) out.push(k);
  }
  return out.slice(0, 50);
}

function describeTerms(terms: TaxonomyTermRef[], name: string): string {
  if (terms.length === 0) return `It has no taxonomy terms and its name “${name}” matches no rule of the taxonomy mapping`;
  const shown = terms.slice(0, 5).map((t) => `“${[t.vocabulary, t.name ?? t.code].filter(Boolean).join(': ')}”`);
  return `Neither its taxonomy terms (${shown.join(', ')}${terms.length > 5 ? ', …' : ''}) nor its name “${name}” match any rule of the taxonomy mapping`;
}

/**
 * One feed record → a published service, or null when it cannot be published. Every reason is
 * recorded in `d`, not only the first: reading goes on after a record is known to be left out, so
 * that a directory lead fixes all of its defects at once.
 */
export function mapService(feed: FeedService, ctx: MapContext, d: RecordDefects): DirectoryService | null {
  for (const p of feed.problems) d.warn(p.field, p.reason);
  const { id: rawId } = identityOf(feed);
  const id = rawId ? `${ctx.source}:${rawId}` : null;
  if (!rawId) d.leaveOut('id', 'The record has no id, so later imports could not update or withdraw it; not imported.');
  else if (id!.length > 200) d.leaveOut('id', `The id is ${rawId.length} characters long; ids longer than ${199 - ctx.source.length} cannot be stored; not imported.`);
  const name = readText(feed.name, 'name', 300, d);
  if (!name) d.leaveOut('name', 'The record has no name; not imported.');

  const status = mapStatus(feed.status, d);
  const organisation = mapOrganisation(feed, name ?? '', rawId ?? '', ctx, d);
  const description = readText(feed.description, 'description', 5000, d);
  let alert = readText(feed.alert, 'alert', 1000, d);
  const url = readUrl(feed.url, 'url', 500, d);
  const email = readEmail(feed.email, 'email', 300, d);
  const { ageMin, ageMax, eligibility } = mapEligibility(feed, d);
  const referral = mapReferral(feed, d);
  const { phones, given } = mapPhones(feed, d);
  const locations = mapLocations(feed, { source: ctx.source, serviceId: id ?? `${ctx.source}:`, centroids: ctx.centroids }, d);
  const coverage = mapCoverage(feed.serviceAreas, ctx.centroids, d);

  const hours = readHours(feed, d);
  const { schedule, hasHours } = resolveSchedule(hours, ctx.schedule, d);
  // Never shown as open (hazard H1): an invented "always open" is the worst error, and dropping the
  // service would lose it. The alert makes the clinician check before referring.
  if (!hasHours) alert = truncate(alert ? `${NO_HOURS_ALERT} ${alert}` : NO_HOURS_ALERT, 1000);

  const terms = termsOf(feed);
  const match = name ? serviceTypeFor({ name, terms }, ctx.mapping) : null;
  if (!match) {
    d.leaveOut('type', `${describeTerms(terms, name ?? '')}; its service type is unknown, so it was not imported. Add a taxonomy mapping rule for one of its terms or its name to import it.`);
  }
  if (given.length > 0 && phones.length === 0) {
    // Hazard H19: a crisis line published without the number its feed gives leaves the clinician
    // nothing to ring. Its other details do not make up for it.
    d.leaveOut('phones', `The feed gives ${given.length === 1 ? 'a phone number' : `${given.length} phone numbers`} (${given.slice(0, 3).map((g) => quote(g)).join(', ')}) but no dialable number could be read from ${given.length === 1 ? 'it' : 'them'}; not published without it. Correct the number in the feed.`);
  } else if (phones.length === 0 && !email && !url && locations.length === 0) {
    d.leaveOut(null, 'There is no way to reach the service: no usable phone number, e-mail address, web address or site; not imported.');
  }
  if (d.isLeftOut || !status || !match || !name || !id) return null;
  if (!hasHours) {
    d.warn('schedules', `${hours.published ? 'None of the published hours apply from today' : 'No opening hours are published'}; published without hours, so it is never shown as open and carries the alert “${NO_HOURS_ALERT}”`);
  }
  if (phones.length === 0) d.warn('phones', 'No usable phone number; published with its other contact details.');

  const service: DirectoryService = {
    id,
    organisation,
    name,
    ...(description ? { description } : {}),
    type: match.type,
    status,
    ...(alert ? { alert } : {}),
    ...(url ? { url } : {}),
    ...(email ? { email } : {}),
    ageMin,
    ageMax,
    ...(eligibility ? { eligibility } : {}),
    referral,
    phones,
    locations,
    coverage,
    schedule,
    keywords: keywordsOf(terms),
    lastVerified: mapLastVerified(feed, ctx.schedule.asOf, d),
  };
  const checked = DirectoryService.safeParse(service);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    d.leaveOut(null, `The mapped record failed the directory's own checks (${issues.join('; ')}); not imported. This is an importer fault: please report it.`);
    return null;
  }
  return checked.data;
}
