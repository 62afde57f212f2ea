import { findNumbers, type PhoneNumber } from 'libphonenumber-js/max';
import type { Phone } from '../../../shared/domain/directory';
import type { PhoneType } from '../../../shared/domain/service-types';
import { plainTextOf, truncate } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedPhone, FeedService } from './feed-model';
import { quote } from './json-values';

/*
 * Phone numbers as real feeds write them: "Call free on 0800 689 5652 (24 hours)", "0300 123 4567
 * or out of hours 020 7946 0001", "Text SHOUT to 85258", "+44 (0)20 7946 0000 ext 214", "116 123".
 * Every dialable number in the field is published, each in the national form a UK desk dials
 * (020 7946 0000), with the field's text kept as written in its label whenever it says more than
 * the number. Numbers are found and checked by libphonenumber-js (its full metadata); it has no
 * short-number data, so the few national short codes a crisis directory lists (111, 116 123 …)
 * and SMS short codes in a "text … to NNNNN" instruction are read here.
 *
 * The service's own numbers come first (those of its sites and contacts too); only when it has
 * none, the building's or the organisation's, with a warning, since that line may not reach the
 * service. Type rules, first match wins, on the feed's type, its description and the words next
 * to the number:
 *   text          the feed type is text/sms/textphone, or the words say SMS, "text us", textphone
 *   professionals the words say the line is for professionals/clinicians/referrers only
 *   out_of_hours  the words say out of hours, evenings and weekends, after hours
 *   public        everything else
 * Fax, pager and video numbers are not offered to clinicians and are left out.
 */

const TEXT = /\b(sms|txt|text (us|only|message|messages|line)|textphone|minicom)\b/i;
const PROFESSIONALS = [
  /\b(professionals?|clinicians?|referrers?|gps?|practitioners?)\b[^.]{0,40}\bonly\b/i,
  /\bonly\b[^.]{0,40}\b(professionals?|clinicians?|referrers?)\b/i,
  /\b(for|professionals?') (use by )?(health(care)? )?professionals\b/i,
  /\bprofessionals?'? line\b/i,
  /\bnot for (use by )?(the )?(public|patients|service users)\b/i,
];
const OUT_OF_HOURS = /\b(out[- ]of[- ]hours|ooh|after[- ]hours|evenings? and weekends?|overnight line|night line)\b/i;

const NOT_OFFERED = new Set(['fax', 'pager', 'video']);
const TEXT_TYPES = new Set(['text', 'sms', 'textphone', 'minicom', 'text message']);

export function phoneTypeOf(feedType: string, description: string): PhoneType {
  if (TEXT_TYPES.has(feedType) || TEXT.test(description)) return 'text';
  if (PROFESSIONALS.some((re) => re.test(description))) return 'professionals';
  if (OUT_OF_HOURS.test(description)) return 'out_of_hours';
  return 'public';
}

/**
 * National short codes a UK crisis directory lists (Ofcom's numbering plan): emergency, NHS 111,
 * police non-emergency, power cuts, and the harmonised 116 helplines (116 123 Samaritans, 116 111
 * Childline, 116 000 missing children, 116 006 victims). libphonenumber-js has no short-number data.
 */
const SHORT_CODE = /(?<![\d+])(116[ -]?(?:000|006|111|117|123)|999|112|111|101|105|119)(?![\d])/g;
/** "text SHOUT to 85258", "Text 'HELLO' to 85258", "SMS 85258": an SMS short code (UK: 5 or 6 digits from 6, 7 or 8). */
const SMS_SHORT_CODE = /\b(?:text|txt|sms)\b[^\d\n]{0,40}?(?<![\d+])([6-8]\d{4,5})(?![\d])/gi;
/** In a field the feed marks as an SMS number, a short code needs no "text … to" around it. */
const BARE_SMS_SHORT_CODE = /(?<![\d+])([6-8]\d{4,5})(?![\d])/g;
/** Words before a number that make it an SMS number. */
const SMS_BEFORE = /\b(text|txt|sms|textphone)\b[^.;\n]{0,30}$/i;

export interface FoundNumber {
  /** As a UK desk dials it: national form (020 7946 0000) for UK numbers, international otherwise. */
  number: string;
  extension: string | null;
  /** Where it was in the text. */
  start: number;
  end: number;
  /** An SMS number: its words say text/SMS before it, or it is a short code in a "text … to" instruction. */
  sms: boolean;
  /** What a directory lead should know: not in a range in use, not a UK number. */
  doubt: string | null;
}

/**
 * Every dialable number in a text, in the order written. libphonenumber-js finds the numbers
 * (leniency "possible", so that a number in a range its metadata does not know yet is not lost:
 * those are kept with a doubt); national short codes and SMS short codes are found around them.
 */
export function findDialableNumbers(text: string, options: { smsField?: boolean } = {}): readonly FoundNumber[] {
  // Feeds repeat numbers (an organisation's switchboard on each of its services), and finding one
  // costs about 0.3 ms: each distinct text is read once per process.
  const key = `${options.smsField ? 's' : 'v'}${text}`;
  const known = seenTexts.get(key);
  if (known) return known;
  const found = findIn(text, options);
  if (seenTexts.size >= 20_000) seenTexts.clear();
  seenTexts.set(key, found);
  return found;
}

const seenTexts = new Map<string, readonly FoundNumber[]>();

function findIn(text: string, options: { smsField?: boolean }): FoundNumber[] {
  const found: FoundNumber[] = [];
  // What the finder is given, the same length as the text so that positions hold: list separators
  // made into a mark it never reads as part of a number (it reads "020 …, 020 …" as one), and the
  // Relay UK textphone prefix (18001 020 …) blanked so that the number after it is found.
  const masked = text.replace(/[;,]/g, '|').replace(/(?<!\d)1800[12](?=[\s-]+0)/g, (m) => ' '.repeat(m.length));
  const take = (m: { number: PhoneNumber; startsAt: number; endsAt: number }, valid: boolean) => {
    const n = m.number;
    const uk = n.country === 'GB' || (n.country === undefined && n.countryCallingCode === '44');
    // A possible but unknown number must at least be a whole one: a stray 7-digit figure is no number.
    if (!valid && (!uk || n.nationalNumber.length < 10)) return;
    const doubt = !valid
      ? 'is not in a number range in use according to the numbering data; published as given: check it with the service'
      : !uk
        ? 'is not a UK number; published in international form'
        : null;
    found.push({
      number: (uk ? n.formatNational() : n.formatInternational()).replace(/\s*(ext\.|x)\s*\d+$/, ''),
      extension: n.ext ?? null,
      start: m.startsAt,
      end: m.endsAt,
      sms: SMS_BEFORE.test(text.slice(Math.max(0, m.startsAt - 40), m.startsAt)),
      doubt,
    });
  };
  // Valid numbers first (the common case, and the cheaper search); then, only where digits are
  // left over, numbers that are possible but not in a range the numbering data knows.
  for (const m of findNumbers(masked, { defaultCountry: 'GB', v2: true })) take(m, true);
  let rest = masked;
  for (const f of found) rest = rest.slice(0, f.start) + ' '.repeat(f.end - f.start) + rest.slice(f.end);
  if ((rest.match(/\d/g)?.length ?? 0) >= 7) {
    // `leniency` is read by libphonenumber-js's finder but missing from its type declarations.
    const possible = { defaultCountry: 'GB', v2: true, leniency: 'POSSIBLE' } as { defaultCountry: 'GB'; v2: true };
    for (const m of findNumbers(rest, possible)) if (!m.number.isValid()) take(m, false);
  }
  const overlaps = (start: number, end: number) => found.some((f) => start < f.end && f.start < end);
  for (const m of text.matchAll(options.smsField ? BARE_SMS_SHORT_CODE : SMS_SHORT_CODE)) {
    const start = m.index + m[0].length - m[1]!.length;
    if (!overlaps(start, start + m[1]!.length)) found.push({ number: m[1]!, extension: null, start, end: start + m[1]!.length, sms: true, doubt: null });
  }
  for (const m of text.matchAll(SHORT_CODE)) {
    if (overlaps(m.index, m.index + m[0].length)) continue;
    const digits = m[1]!.replace(/\D/g, '');
    found.push({ number: digits.length === 6 ? `${digits.slice(0, 3)} ${digits.slice(3)}` : digits, extension: null, start: m.index, end: m.index + m[0].length, sms: false, doubt: null });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Words that only announce a number ("Tel:", "Call") say nothing worth a label. */
const ANNOUNCE = /^(tel(ephone)?|phone|ph|t|call( us)?( on)?|ring( us)?( on)?|number|no|main( number)?)$/i;

/** Whether the text says more than its numbers (and extensions) do. */
function hasWords(text: string, numbers: readonly FoundNumber[]): boolean {
  let rest = '';
  let at = 0;
  for (const n of numbers) {
    rest += ` ${text.slice(at, n.start)}`;
    at = n.end;
  }
  rest += ` ${text.slice(at)}`;
  const words = rest
    .replace(/\b(ext(ension)?|x)\.?\s*\d+/gi, ' ')
    .replace(/[^\p{L}\d]+/gu, ' ')
    .trim();
  return words !== '' && !ANNOUNCE.test(words);
}

/**
 * The words that belong to a number when a field holds several ("Day: 020 …, out of hours: 020 …"):
 * the part of the text between separators that holds it, plus any following part without a number.
 */
function contextOf(text: string, numbers: readonly FoundNumber[], i: number): string {
  const start = i === 0 ? 0 : numbers[i - 1]!.end;
  const end = i === numbers.length - 1 ? text.length : numbers[i + 1]!.start;
  const before = text.slice(start, numbers[i]!.start);
  const after = text.slice(numbers[i]!.end, end);
  // Words before a number belong to it back to the last separator; words after it up to the next one.
  const ownBefore = before.split(/[;,/\n]|\bor\b|\band\b/i).at(-1) ?? '';
  const ownAfter = i === numbers.length - 1 ? after : (after.split(/[;,/\n]|\bor\b|\band\b/i)[0] ?? '');
  return `${ownBefore} ${ownAfter}`;
}

/** One phone record of the feed → the contacts it gives, with what was wrong with it. */
export function readPhoneField(p: FeedPhone, field: string, d: RecordDefects): Phone[] {
  const feedType = plainTextOf(p.type).toLowerCase();
  if (NOT_OFFERED.has(feedType)) {
    d.warn(field, `A ${feedType} number is not offered to clinicians; left out.`);
    return [];
  }
  if (typeof p.number !== 'string' && typeof p.number !== 'number') {
    if (p.number !== undefined) d.warn(field, `${quote(p.number)} is not a phone number; left out.`);
    return [];
  }
  const written = plainTextOf(p.number);
  // A JSON number loses the leading 0 (2079460000): libphonenumber reads it as the national number.
  const numbers = findDialableNumbers(written.slice(0, 2000), { smsField: TEXT_TYPES.has(feedType) });
  if (numbers.length === 0) {
    d.warn(field, `${quote(written)} holds no dialable UK number; left out.`);
    return [];
  }
  if (typeof p.number === 'number') d.repair(field, `The number was given as the figure ${p.number}, without its leading 0; read as ${numbers[0]!.number}.`);
  const description = plainTextOf(p.description);
  const fieldExtension = plainTextOf(p.extension);
  const keepText = hasWords(written, numbers);
  const out: Phone[] = [];
  numbers.forEach((n, i) => {
    if (n.doubt) d.warn(field, `${n.number} ${n.doubt}.`);
    const extension = n.extension ?? (numbers.length === 1 ? fieldExtension : '');
    const words = `${description} ${contextOf(written, numbers, i)}`;
    const type = n.sms ? 'text' : phoneTypeOf(feedType, words);
    let label = [extension ? `ext. ${extension}` : '', description, keepText ? written : ''].filter(Boolean).join(' — ');
    if (label.length > 200) {
      d.warn(field, `The text published with ${n.number} was ${label.length} characters long; shortened to 200 for its label.`);
      label = truncate(label, 200);
    }
    out.push({ number: n.number, type, ...(label ? { label } : {}) });
  });
  return out;
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
    for (const phone of readPhoneField(p, FIELD_OF[p.attachedTo], d)) {
      const key = `${phone.number.replace(/\D/g, '')}|${phone.type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(phone);
    }
  }
  return out;
}

export interface MappedPhones {
  phones: Phone[];
  /** The service's own phone fields that hold something meant for callers (not fax or pager), as written. */
  given: string[];
}

export function mapPhones(service: FeedService, d: RecordDefects): MappedPhones {
  const own = service.phones.filter((p) => p.attachedTo === 'service' || p.attachedTo === 'service_at_location' || p.attachedTo === 'contact');
  const given = own.filter((p) => !NOT_OFFERED.has(plainTextOf(p.type).toLowerCase()) && plainTextOf(p.number) !== '').map((p) => plainTextOf(p.number));
  let phones = readAll(own, d);
  if (phones.length === 0 && given.length === 0) {
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
  return { phones, given };
}
