/*
 * The one intermediate form every reader produces: an ORUK/HSDS service with its related records
 * gathered under it, in whichever spelling the feed used. Readers only find and join records;
 * values are left as they came (`unknown`: JSON of any type, or CSV text) so that checking and
 * reporting them happens in one place, the mapper.
 */

type Raw = unknown;

/** Where a related record was attached in the feed; decides how far it can be trusted for this service. */
export type Attachment = 'service' | 'service_at_location' | 'contact' | 'location' | 'organization';

export interface FeedOrganization {
  id: Raw;
  name: Raw;
  url: Raw;
}

export interface FeedPhone {
  attachedTo: Attachment;
  id: Raw;
  number: Raw;
  extension: Raw;
  type: Raw;
  description: Raw;
}

/** HSDS 3 `schedule` or HSDS 1.1 `regular_schedule` (one weekday per row). */
export interface FeedSchedule {
  attachedTo: Attachment;
  id: Raw;
  freq: Raw;
  interval: Raw;
  byday: Raw;
  /** HSDS 1.1: a weekday name or number. */
  weekday: Raw;
  opensAt: Raw;
  closesAt: Raw;
  validFrom: Raw;
  validTo: Raw;
  dtstart: Raw;
  /** The clock the schedule is on: HSDS 3's UTC offset in hours, or a zone name. */
  timezone: Raw;
  until: Raw;
  count: Raw;
  byweekno: Raw;
  bymonthday: Raw;
  byyearday: Raw;
  description: Raw;
  notes: Raw;
  attendingType: Raw;
}

/** HSDS 1.1 `holiday_schedule`: closed, or special hours, on a date range. */
export interface FeedHolidaySchedule {
  id: Raw;
  closed: Raw;
  opensAt: Raw;
  closesAt: Raw;
  startDate: Raw;
  endDate: Raw;
}

export interface FeedAddress {
  lines: Raw[];
  city: Raw;
  postalCode: Raw;
  addressType: Raw;
}

export interface FeedLocation {
  id: Raw;
  name: Raw;
  locationType: Raw;
  latitude: Raw;
  longitude: Raw;
  addresses: FeedAddress[];
}

export interface FeedServiceArea {
  id: Raw;
  /** Every text field of the area (HSDS 3 name/description, HSDS 1.1 service_area/description). */
  texts: Raw[];
  /** Text, or geometry when extentType says GeoJSON/KML. */
  extent: Raw;
  extentType: Raw;
}

export interface FeedEligibility {
  text: Raw;
  minimumAge: Raw;
  maximumAge: Raw;
}

export interface FeedTaxonomyTerm {
  name: Raw;
  code: Raw;
  vocabulary: Raw;
}

export interface FeedService {
  id: Raw;
  name: Raw;
  description: Raw;
  url: Raw;
  email: Raw;
  status: Raw;
  alert: Raw;
  applicationProcess: Raw;
  /** ORUK v1 `attending_access`: referral, appointment, membership, drop-in. */
  attendingAccess: Raw;
  eligibilityDescription: Raw;
  minimumAge: Raw;
  maximumAge: Raw;
  assuredDate: Raw;
  lastModified: Raw;
  metadataDates: Raw[];
  organization: FeedOrganization | null;
  phones: FeedPhone[];
  schedules: FeedSchedule[];
  holidaySchedules: FeedHolidaySchedule[];
  locations: FeedLocation[];
  serviceAreas: FeedServiceArea[];
  eligibilities: FeedEligibility[];
  taxonomyTerms: FeedTaxonomyTerm[];
  /** Structural problems the reader met (a dangling reference, a list that was not a list). */
  problems: { field: string; reason: string }[];
}
