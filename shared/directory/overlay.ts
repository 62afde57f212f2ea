import type { DirectoryService } from '../domain/directory';
import { MAX_PUBLISHED_REPORTS, phoneDigits, type LocalCorrection, type ServiceReport } from '../domain/directory-quality';
import type { ScheduleException } from '../domain/schedule';

/*
 * A service as published = the service as its feed gave it, with the trust's local corrections
 * applied on top and its open reports attached. One pure function, so that the server gives the
 * same answer whether a service is republished because a lead corrected it, a clinician reported
 * it, or its feed was imported again (a re-import never loses a correction).
 */

export interface Overlay {
  corrections: readonly LocalCorrection[];
  reports: readonly ServiceReport[];
}

export const isEmptyOverlay = (o: Overlay): boolean => o.corrections.length === 0 && o.reports.length === 0;

const byTime = <T extends { id: string }>(at: (x: T) => string) => (a: T, b: T) => at(a).localeCompare(at(b)) || a.id.localeCompare(b.id);

/** The feed's service with the corrections applied and the open reports attached. */
export function applyOverlay(feed: DirectoryService, overlay: Overlay): DirectoryService {
  const { openReports: _reports, localCorrections: _corrections, ...base } = feed;
  const corrections = [...overlay.corrections].sort(byTime((c) => c.madeAt));
  const reports = [...overlay.reports].sort(byTime((r) => r.reportedAt)).slice(-MAX_PUBLISHED_REPORTS);
  const out: DirectoryService = { ...base, phones: feed.phones.map(({ notWorking: _n, ...p }) => p) };

  const dead = new Set(corrections.flatMap((c) => (c.kind === 'phone_not_working' ? [phoneDigits(c.number)] : [])));
  if (dead.size > 0) out.phones = out.phones.map((p) => (dead.has(phoneDigits(p.number)) ? { ...p, notWorking: true } : p));

  // A defunct service stays defunct (never shown); any other is closed while a closure stands.
  if (out.status !== 'defunct' && corrections.some((c) => c.kind === 'closure')) out.status = 'temporarily_closed';

  // Dated hours from the trust come first: the first exception covering a day wins (opening-hours.ts).
  const exceptions: ScheduleException[] = corrections.flatMap((c) =>
    c.kind === 'hours_exception' ? [{ from: c.from, to: c.to, sessions: c.sessions, note: `Local correction${c.note ? `: ${c.note}` : ''}`.slice(0, 500) }] : [],
  );
  if (exceptions.length > 0) out.schedule = { ...feed.schedule, exceptions: [...exceptions, ...feed.schedule.exceptions] };

  if (corrections.length > 0) out.localCorrections = corrections;
  if (reports.length > 0) out.openReports = reports;
  return out;
}
