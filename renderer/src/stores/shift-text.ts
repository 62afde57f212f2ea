import type { ShiftSummaryView } from '../../../shared/contract';
import { dateOfDayNumber, dayNumberOf, londonDateOf } from '../../../shared/lib/calendar';
import { MAX_SUMMARY_DAYS } from '../../../shared/contract';
import { dateDMY, dayTimeLabel, timeHM } from '../lib/time';

/*
 * The Shift workspace's wording, as pure functions: the range chosen, how fresh the figures are,
 * durations and the field messages for a range that cannot be summarised. Every time is London's.
 */

/** A London 'YYYY-MM-DD' as "24/10/2026" for the shift-date field, and back. */
export function dateFieldText(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/** "24/10/2026" (or 24-10-2026, 24.10.2026) as 'YYYY-MM-DD'; null when it names no real day. */
export function dateFromFieldText(text: string): string | null {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  if (!m) return null;
  const [d, mo, y] = m.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return dateOfDayNumber(dayNumberOf(`${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`));
}

/** "Sat 24 Oct 20:00 – Sun 25 Oct 08:00 (13 hours)": the hours counted, so a night across a clock change says 13 or 11. */
export function rangeLabel(from: string, to: string): string {
  const hours = (Date.parse(to) - Date.parse(from)) / 3_600_000;
  const length = Number.isInteger(hours) ? `${hours} hour${hours === 1 ? '' : 's'}` : `${Math.floor(hours)} h ${Math.round((hours % 1) * 60)} min`;
  const sameDay = londonDateOf(new Date(from)) === londonDateOf(new Date(Date.parse(to) - 1));
  return `${dayTimeLabel(from)} – ${sameDay ? timeHM(to) : dayTimeLabel(to)} (${length})`;
}

/** "12 min 30 s", "45 s", "1 h 05 min": a handling time. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return 'not known';
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** When a moment was, briefly: "14:32" today, "24 Oct 2026 14:32" another day. */
export function momentText(iso: string, now: Date): string {
  return londonDateOf(new Date(iso)) === londonDateOf(now) ? timeHM(iso) : `${dateDMY(iso)} ${timeHM(iso)}`;
}

export interface Freshness {
  /** "Team records as of 14:32" */
  text: string;
  /** What is not in the figures yet, or why they may be behind; null when nothing is known to be missing. */
  caveat: string | null;
  tone: 'ok' | 'warn';
}

/** How fresh the figures on screen are, and what they may be missing. */
export function freshness(view: ShiftSummaryView, now: Date): Freshness {
  const behind = view.summary.unsyncedDesks.length;
  const desks = behind === 1 ? '1 desk of the team has' : `${behind} desks of the team have`;
  const behindText = behind > 0 ? `${desks} changes the server has not had yet: the figures may be missing them.` : null;
  if (view.source === 'server') {
    const asOf = view.recordsAsOf ? `Team records as of ${momentText(view.recordsAsOf, now)} (from the server)` : 'From the server: the team has no records yet';
    return { text: asOf, caveat: behindText, tone: behind > 0 ? 'warn' : 'ok' };
  }
  if (!view.recordsPulledAt) {
    return { text: 'Team records not yet pulled on this desk', caveat: 'The figures count only this desk’s own records until the desk syncs with the server.', tone: 'warn' };
  }
  const mine = view.waitingOnThisDesk > 0 ? `${view.waitingOnThisDesk} change${view.waitingOnThisDesk === 1 ? '' : 's'} on this desk not yet sent (counted here).` : null;
  const caveat = [behindText, mine].filter(Boolean).join(' ') || null;
  return { text: `Team records as of ${momentText(view.recordsPulledAt, now)}`, caveat, tone: behindText ? 'warn' : 'ok' };
}

/** The message at the "to" field (or "from") for a range that cannot be summarised; null when it can. */
export function rangeProblem(from: string | null, to: string | null): { field: 'from' | 'to'; message: string } | null {
  if (!from) return { field: 'from', message: 'Enter when the range starts as day/month/year and 24-hour time, for example 24/10/2026 20:00.' };
  if (!to) return { field: 'to', message: 'Enter when the range ends as day/month/year and 24-hour time, for example 25/10/2026 08:00.' };
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (a === b) return { field: 'to', message: 'The range is empty: the end must be after the start.' };
  if (b < a) return { field: 'to', message: 'The end is before the start: swap them, or correct the dates.' };
  if (b - a > MAX_SUMMARY_DAYS * 86_400_000) return { field: 'to', message: `A summary covers at most ${MAX_SUMMARY_DAYS} days: bring the end closer to the start.` };
  return null;
}

/** "3 contacts", "1 contact" */
export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
