import { z } from 'zod';
import { isValidNhsNumber } from '../lib/nhs-number';
import { LocalDate, Session } from './schedule';

/*
 * The directory's quality loop: clinicians report problems with a service, every
 * desk of the trust sees an open report on the service until a directory lead resolves it, and a
 * lead may correct the service locally (a closure, a number marked not working, a dated change of
 * hours, an alert). Open reports and local corrections travel to desks inside the published
 * service itself (DirectoryService.openReports / .localCorrections), as ordinary directory changes.
 */

export const REPORT_KINDS = ['number_not_answering', 'service_closed', 'hours_wrong', 'eligibility_wrong', 'other'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** As a card says it after "Reported 14:20 today: ". */
export const REPORT_KIND_LABELS: Record<ReportKind, string> = {
  number_not_answering: 'number not answering or wrong',
  service_closed: 'service closed',
  hours_wrong: 'hours wrong',
  eligibility_wrong: 'eligibility wrong',
  other: 'other problem',
};

/** The second key of "report a problem in two keys" (matched on KeyboardEvent.code KeyX). */
export const REPORT_KIND_KEYS: Record<ReportKind, string> = {
  number_not_answering: 'N',
  service_closed: 'C',
  hours_wrong: 'H',
  eligibility_wrong: 'E',
  other: 'O',
};

/** A report's note is shown on every desk of the trust: short, and never about the caller. */
export const REPORT_NOTE_MAX = 140;

const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;
const TEN_DIGITS = /(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)/g;

/**
 * Why a report's note cannot be sent, or null when it can. A note is published to every desk of
 * the trust, so anything that identifies a caller is refused: an NHS number (checked by its
 * modulus 11 digit, so a service's own ten-digit phone number is not mistaken for one) or an e-mail
 * address. A name cannot be recognised; the field says not to write one.
 */
export function reportNoteProblem(note: string): string | null {
  if (note.length > REPORT_NOTE_MAX) return `Keep it to ${REPORT_NOTE_MAX} characters: it is shown on every desk of the trust.`;
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(note)) return 'Remove the control characters from the note.';
  for (const m of note.matchAll(TEN_DIGITS)) {
    if (isValidNhsNumber(m[0])) return 'This looks like an NHS number. Notes are shown on every desk: write nothing about the caller.';
  }
  if (EMAIL.test(note)) return 'Remove the e-mail address. Notes are shown on every desk: write nothing about the caller.';
  return null;
}

const Iso = z.iso.datetime({ offset: true });

export const ReportNote = z
  .string()
  .trim()
  .max(REPORT_NOTE_MAX)
  .superRefine((v, ctx) => {
    const problem = reportNoteProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An open report as published on its service (who reported it is kept on the server only). */
export const ServiceReport = z.object({
  id: z.string().uuid(),
  kind: z.enum(REPORT_KINDS),
  note: z.string().max(REPORT_NOTE_MAX).optional(),
  /** The number that was not answering, when the report is about one. */
  phone: z.string().max(40).optional(),
  /** When the clinician reported it (their desk's clock). */
  reportedAt: Iso,
  /** Set on the reporting desk only, before the published directory carries the report. */
  local: z.boolean().optional(),
});
export type ServiceReport = z.infer<typeof ServiceReport>;

/** At most this many open reports ride on a service (the newest); the leads' queue holds them all. */
export const MAX_PUBLISHED_REPORTS = 20;

export const CORRECTION_KINDS = ['closure', 'phone_not_working', 'hours_exception', 'alert'] as const;
export type CorrectionKind = (typeof CORRECTION_KINDS)[number];

export const CORRECTION_KIND_LABELS: Record<CorrectionKind, string> = {
  closure: 'Temporarily closed',
  phone_not_working: 'Number not working',
  hours_exception: 'Dated change of hours',
  alert: 'Alert',
};

const correctionBase = { id: z.string().uuid(), madeAt: Iso };

const Closure = z.object({
  kind: z.literal('closure'),
  /** Shown with the closure: why, and what to do instead. */
  alert: z.string().trim().min(1).max(500),
  /** The last day it is closed (London date), when known; the correction lapses after it. */
  until: LocalDate.nullable(),
});
const PhoneNotWorking = z.object({
  kind: z.literal('phone_not_working'),
  /** One of the service's numbers, as published. */
  number: z.string().trim().min(3).max(40),
  note: z.string().trim().max(300).optional(),
});
const HoursException = z.object({
  kind: z.literal('hours_exception'),
  from: LocalDate,
  to: LocalDate,
  /** The hours on those days; none: closed. */
  sessions: z.array(Session).max(4),
  note: z.string().trim().max(300).optional(),
});
const AlertText = z.object({ kind: z.literal('alert'), text: z.string().trim().min(1).max(500) });

/** What a local correction changes, as a directory lead enters it (without its id and time). */
export const CorrectionChange = z.discriminatedUnion('kind', [Closure, PhoneNotWorking, HoursException, AlertText]).refine(
  (c) => c.kind !== 'hours_exception' || c.from <= c.to,
  { message: 'The first day must not be after the last.', path: ['to'] },
);
export type CorrectionChange = z.infer<typeof CorrectionChange>;

/** A local correction as published on its service. */
export const LocalCorrection = z.discriminatedUnion('kind', [
  Closure.extend(correctionBase),
  PhoneNotWorking.extend(correctionBase),
  HoursException.extend(correctionBase),
  AlertText.extend(correctionBase),
]);
export type LocalCorrection = z.infer<typeof LocalCorrection>;

/** The last London date a correction applies on, or null when it has no end (removed by hand). */
export function correctionLastDay(c: CorrectionChange): string | null {
  if (c.kind === 'closure') return c.until;
  if (c.kind === 'hours_exception') return c.to;
  return null;
}

/** Digits only, so "0800 123 456" and "0800123456" name the same number. */
export const phoneDigits = (n: string): string => n.replace(/\D/g, '');

export const RESOLUTIONS = ['fixed_in_feed', 'corrected_locally', 'dismissed'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const RESOLUTION_LABELS: Record<Resolution, string> = {
  fixed_in_feed: 'Fixed in the feed',
  corrected_locally: 'Corrected locally',
  dismissed: 'Dismissed',
};

/** A London calendar date as "3 Mar 2027". */
function dateLabel(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A correction in words, as the card, the details and the console say it. */
export function correctionText(c: CorrectionChange): string {
  switch (c.kind) {
    case 'closure':
      return `Temporarily closed${c.until ? ` until ${dateLabel(c.until)}` : ''}: ${c.alert}`;
    case 'phone_not_working':
      return `${c.number} is not working: do not give it to callers${c.note ? ` (${c.note})` : ''}`;
    case 'hours_exception': {
      const when = c.from === c.to ? `On ${dateLabel(c.from)}` : `From ${dateLabel(c.from)} to ${dateLabel(c.to)}`;
      const hours = c.sessions.length === 0 ? 'closed' : `open ${c.sessions.map((s) => `${s.opens}–${s.closes}`).join(', ')}`;
      return `${when}: ${hours}${c.note ? ` (${c.note})` : ''}`;
    }
    case 'alert':
      return c.text;
  }
}
