import type { Phone } from '../../../shared/domain/directory';
import type { PhoneType } from '../../../shared/domain/service-types';
import { plainTextOf, truncate } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedPhone, FeedService } from './feed-model';
import { quote } from './json-values';

/*
 * Phone numbers: the service's own (and those of its sites and contacts); only when it has none,
 * the number of the building or the organisation, with a warning, since that line may not reach
 * the service. Type rules, first match wins:
 *   text          the feed type is text/sms/textphone, or the description says SMS, "text us", textphone
 *   professionals the description says the line is for professionals/clinicians/referrers only
 *   out_of_hours  the description says out of hours, evenings and weekends, after hours
 *   public        everything else
 * Fax, pager and video numbers are not offered to clinicians and are left out.
 */

const TEXT = /\b(sms|text (us|only|message|messages|line)|textphone|minicom)\b/i;
const PROFESSIONALS = [
  /\b(professionals?|clinicians?|referrers?|gps?|practitioners?)\b[^.]{0,40}\bonly\b/i,
  /\bonly\b[^.]{0,40}\b(professionals?|clinicians?|referrers?)\b/i,
  /\b(for|professionals?') (use by )?(health(care)? )?professionals\b/i,
  /\bprofessionals?'? line\b/i,
  /\bnot for (use by )?(the )?(public|patients|service users)\b/i,
];
const OUT_OF_HOURS = /\b(out[- ]of[- ]hours|ooh|after[- ]hours|evenings? and weekends?|overnight line|night line)\b/i;

const NOT_OFFERED = new Set(['fax', 'pager', 'video']);

export function phoneTypeOf(feedType: string, description: string): PhoneType {
  if (['text', 'sms', 'textphone', 'minicom', 'text message'].includes(feedType) || TEXT.test(description)) return 'text';
  if (PROFESSIONALS.some((re) => re.test(description))) return 'professionals';
  if (OUT_OF_HOURS.test(description)) return 'out_of_hours';
  return 'public';
}

/** The number as published, tidied, or an error: 3–15 digits, optionally with + ( ) - . and spaces. */
export function cleanNumber(raw: unknown): { number: string; changed: boolean } | { error: string } {
  if (typeof raw !== 'string' && typeof raw !== 'number') return { error: raw === undefined ? 'no number given' : `${quote(raw)} is not a phone number` };
  const original = String(raw);
  const trimmed = original.trim().replace(/^["'“”‘’]+|["'“”‘’]+$/g, '').trim();
  if (/[a-z]/i.test(trimmed) || !/^\+?[\d\s().-]+$/.test(trimmed)) return { error: `${quote(original)} is not a phone number` };
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 3 || digits.length > 15) return { error: `${quote(original)} has ${digits.length} digits, which is not a phone number` };
  const number = trimmed.replace(/\s+/g, ' ');
  if (number.length > 40) return { error: `${quote(original)} is too long to be a phone number` };
  return { number, changed: trimmed !== original.trim() };
}

function readPhone(p: FeedPhone, field: string, d: RecordDefects): Phone | null {
  const feedType = plainTextOf(p.type).toLowerCase();
  if (NOT_OFFERED.has(feedType)) {
    d.warn(field, `A ${feedType} number is not offered to clinicians; left out.`);
    return null;
  }
  const cleaned = cleanNumber(p.number);
  if ('error' in cleaned) {
    d.warn(field, `${cleaned.error}; left out.`);
    return null;
  }
  if (cleaned.changed) d.repair(field, `Quotes removed from the number ${quote(p.number)}.`);
  const description = plainTextOf(p.description);
  const extension = plainTextOf(p.extension);
  let label = [extension ? `ext. ${extension}` : '', description].filter(Boolean).join(' — ');
  if (label.length > 200) {
    d.warn(field, `The description of ${cleaned.number} was ${label.length} characters long; shortened to 200.`);
    label = truncate(label, 200);
  }
  return { number: cleaned.number, type: phoneTypeOf(feedType, description), ...(label ? { label } : {}) };
}

/** The same phone record often appears under the service, its site, its contact and its location. */
function distinct(phones: FeedPhone[]): FeedPhone[] {
  const seen = new Set<string>();
  return phones.filter((p) => {
    const key = JSON.stringify([p.number, p.extension, p.type, p.description]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const FIELD_OF: Record<FeedPhone['attachedTo'], string> = {
  service: 'phones',
  service_at_location: 'service_at_locations.phones',
  contact: 'contacts.phones',
  location: 'locations.phones',
  organization: 'organization.phones',
};

function readAll(phones: FeedPhone[], d: RecordDefects): Phone[] {
  const out: Phone[] = [];
  const seen = new Set<string>();
  for (const p of distinct(phones)) {
    const phone = readPhone(p, FIELD_OF[p.attachedTo], d);
    if (!phone) continue;
    const key = `${phone.number.replace(/\D/g, '')}|${phone.type}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(phone);
  }
  return out;
}

export function mapPhones(service: FeedService, d: RecordDefects): Phone[] {
  const own = service.phones.filter((p) => p.attachedTo === 'service' || p.attachedTo === 'service_at_location' || p.attachedTo === 'contact');
  let phones = readAll(own, d);
  if (phones.length === 0) {
    for (const fallback of ['location', 'organization'] as const) {
      phones = readAll(service.phones.filter((p) => p.attachedTo === fallback), d);
      if (phones.length > 0) {
        d.warn('phones', `The service publishes no phone number of its own; the ${fallback === 'location' ? "site's" : "organisation's"} number is shown, which may not reach the service directly.`);
        break;
      }
    }
  }
  if (phones.length > 20) {
    d.warn('phones', `${phones.length} phone numbers published; only the first 20 are shown.`);
    phones = phones.slice(0, 20);
  }
  return phones;
}
