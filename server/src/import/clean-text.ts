import type { RecordDefects } from './defects';
import { describeType, quote } from './json-values';

const TAG = /<\/?[a-z][^<>]*>|<!--[\s\S]*?-->/gi;
const ENTITY = /&(#\d{1,7}|#x[\da-f]{1,6}|[a-z]{2,8});/gi;
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', pound: '£', euro: '€', ndash: '–', mdash: '—',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', hellip: '…', bull: '•', eacute: 'é', copy: '©',
};

function decodeEntity(match: string, body: string): string {
  if (body[0] === '#') {
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : ' ';
  }
  return NAMED_ENTITIES[body.toLowerCase()] ?? match;
}

/** Text with HTML markup turned into plain lines, or null when it had none. */
export function withoutHtml(s: string): string | null {
  TAG.lastIndex = 0;
  ENTITY.lastIndex = 0;
  if (!TAG.test(s) && !ENTITY.test(s)) return null;
  // Line breaks in HTML source mean nothing; only the markup makes lines.
  return s
    .replace(/\s+/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n• ')
    .replace(/<\/(p|div|ul|ol|h[1-6]|tr|table)\s*>/gi, '\n')
    .replace(TAG, '')
    .replace(ENTITY, decodeEntity);
}

/** Control characters out, spaces collapsed, at most one blank line in a row. */
export function tidyWhitespace(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Shortened to at most `max` characters, at a word boundary when one is near. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.8 ? cut.slice(0, space) : cut}…`;
}

/** The raw value as a string (numbers are accepted as text), or undefined with a warning for other types. */
export function rawString(raw: unknown, field: string, d: RecordDefects): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  d.warn(field, `${field} is ${describeType(raw)}, not text; ignored.`);
  return undefined;
}

/** Longest text worked on: far beyond every field's limit, and it keeps hostile input from costing much. */
const MAX_SOURCE = 50_000;

/**
 * A free-text field for display: HTML removed (reported as repaired), whitespace tidied, and cut
 * to `max` characters with a warning. Undefined when absent, empty or of the wrong type.
 */
export function readText(raw: unknown, field: string, max: number, d: RecordDefects): string | undefined {
  const s = rawString(raw, field, d);
  if (s === undefined) return undefined;
  const plain = withoutHtml(s.slice(0, MAX_SOURCE));
  if (plain !== null) d.repair(field, `HTML markup removed from ${field}.`);
  const text = tidyWhitespace(plain ?? s.slice(0, MAX_SOURCE));
  if (!text) return undefined;
  if (text.length > max) {
    d.warn(field, `${field} was ${s.length > MAX_SOURCE ? `over ${MAX_SOURCE}` : text.length} characters long; shortened to ${max}.`);
    return truncate(text, max);
  }
  return text;
}

/** Quiet variant for text that is only matched against (no defects). */
export function plainTextOf(raw: unknown): string {
  if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) return '';
  const s = String(raw).slice(0, MAX_SOURCE);
  return tidyWhitespace(withoutHtml(s) ?? s);
}

const DOMAIN_LIKE = /^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?([/?#]\S*)?$/i;

/** An http(s) web address; a bare domain gets https:// (repaired); anything else is dropped with a warning. */
export function readUrl(raw: unknown, field: string, max: number, d: RecordDefects): string | undefined {
  const s = rawString(raw, field, d)?.trim();
  if (!s) return undefined;
  if (s.length > max) {
    d.warn(field, `${field} is longer than ${max} characters; left out rather than cut into a broken link.`);
    return undefined;
  }
  let candidate = s;
  if (!/^[a-z][a-z\d+.-]*:/i.test(s) && DOMAIN_LIKE.test(s)) candidate = `https://${s}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    d.warn(field, `${field} ${quote(s)} is not a web address; left out.`);
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname.includes('.')) {
    d.warn(field, `${field} ${quote(s)} is not a web address; left out.`);
    return undefined;
  }
  if (candidate.length > max) {
    d.warn(field, `${field} is longer than ${max} characters; left out rather than cut into a broken link.`);
    return undefined;
  }
  if (candidate !== s) d.repair(field, `${field} ${quote(s)} had no scheme; published as ${candidate}.`);
  return candidate;
}

const EMAIL = /^[^\s@<>()[\],;:"]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;

export function readEmail(raw: unknown, field: string, max: number, d: RecordDefects): string | undefined {
  const s = rawString(raw, field, d)?.trim().replace(/^mailto:/i, '');
  if (!s) return undefined;
  if (s.length > max || !EMAIL.test(s)) {
    d.warn(field, `${field} ${quote(s)} is not an e-mail address; left out.`);
    return undefined;
  }
  return s;
}
