import { FixedOffsetZone, IANAZone } from 'luxon';
import { quote } from './json-values';

/*
 * Which clock a schedule's times are on. Opening hours are London wall-clock sessions, so:
 *
 * - no zone stated, or London by name: the times are London times;
 * - an offset London itself keeps (Z / +00:00 / UTC / GMT, or +01:00 / BST), or a schedule's
 *   HSDS `timezone` of 0 or 1: read as London times, and reported. UK feeds write local hours
 *   with whatever offset their software adds ("09:00:00Z" beside "9am to 5pm" in the HSDS field
 *   guidance), and honouring "+01:00" literally would move every winter session an hour; a
 *   service that really keeps UTC is told by the report;
 * - any other offset or zone (-05:00, America/New_York, HSDS `timezone: 3`): honoured — the hours
 *   are converted to London time day by day, so they move when either clock changes;
 * - a zone nobody knows: the schedule cannot be placed in time and is left out, with the reason.
 */

export type ScheduleZone =
  | { kind: 'london' }
  | { kind: 'london-assumed'; stated: string }
  | { kind: 'other'; zone: string; stated: string }
  | { kind: 'unknown'; stated: string };

const LONDON_NAMES = new Set(['europe/london', 'gb', 'gb-eire', 'europe/belfast', 'europe/jersey', 'europe/guernsey', 'europe/isle_of_man']);
const LONDON_OFFSETS = new Set([0, 60]);

function describeOffset(minutes: number): string {
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A stated offset from UTC, in minutes. */
export function zoneOfOffset(minutes: number): ScheduleZone {
  const stated = describeOffset(minutes);
  if (LONDON_OFFSETS.has(minutes)) return { kind: 'london-assumed', stated };
  if (Math.abs(minutes) > 14 * 60) return { kind: 'unknown', stated };
  return { kind: 'other', zone: FixedOffsetZone.instance(minutes).name, stated };
}

/** A schedule's `timezone` field: HSDS 3 gives a UTC offset in hours; others write a zone name or "+01:00". */
export function readZoneField(raw: unknown): ScheduleZone | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number') return Number.isFinite(raw) ? zoneOfOffset(Math.round(raw * 60)) : { kind: 'unknown', stated: String(raw) };
  if (typeof raw !== 'string') return { kind: 'unknown', stated: quote(raw, 30) };
  const s = raw.trim();
  const lower = s.toLowerCase();
  if (LONDON_NAMES.has(lower)) return { kind: 'london' };
  if (['utc', 'gmt', 'z', 'etc/utc', 'etc/gmt', 'utc+0', 'gmt+0', 'wet'].includes(lower)) return { kind: 'london-assumed', stated: s };
  if (['bst', 'west'].includes(lower)) return { kind: 'london-assumed', stated: s };
  const offset = /^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(s);
  if (offset) return zoneOfOffset((offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] ?? 0)));
  if (/^-?\d+(\.\d+)?$/.test(s)) return zoneOfOffset(Math.round(Number(s) * 60));
  if (IANAZone.isValidZone(s)) return { kind: 'other', zone: s, stated: s };
  return { kind: 'unknown', stated: s };
}
