import type { ContactRoute, OutcomeCode } from '../domain/call-record';
import { SERVICE_TYPES } from '../domain/service-types';
import { callReference } from './call-reference';
import type { Audience } from './disclosure';
import { ageBandOf, callbackOwed, londonWallClock, startedIn, type SummaryRecord } from './shift-summary';

/*
 * One row per contact (a call of the range that was not discarded), in a fixed column order: the
 * contacts of the CSV and of the XLSX's Contacts sheet, documented column by column in
 * docs/exports.md. Columns named after a Mental Health Services Data Set (MHSDS) care contact item
 * carry that item's national codes; the others carry Crisis Desk's own codes. Nothing typed by a
 * person, no names, NHS numbers, dates of birth, phone numbers or postcodes: the row is built from
 * a SummaryRecord, which holds none of them (the date of birth it holds is reduced to an age band).
 *
 * For reporting outside the team a row has no call reference and its times are given to the hour
 * (the hour the chart counts in), so a row cannot be matched to a call by its exact time.
 */

/** How a column's values are written: CSV writes every kind as text, the XLSX as a typed cell. */
export type ColumnKind = 'text' | 'code' | 'integer' | 'flag' | 'date' | 'time' | 'instant' | 'offset';

export interface ContactColumn {
  key: string;
  /** The column's heading in the XLSX (the CSV's header row is the keys). */
  heading: string;
  kind: ColumnKind;
  /** The MHSDS data item the column carries, when there is one. */
  mhsds?: string;
  /** Shown only in files for handover within the team. */
  handoverOnly?: boolean;
  /** Width in characters in the XLSX. */
  width: number;
}

const REFERRAL_COLUMNS: ContactColumn[] = SERVICE_TYPES.map((t) => ({ key: `referrals_${t}`, heading: `Referrals: ${t}`, kind: 'integer', width: 12 }));

export const CONTACT_COLUMNS: readonly ContactColumn[] = [
  { key: 'call_reference', heading: 'Call reference', kind: 'text', handoverOnly: true, width: 12 },
  { key: 'care_contact_date', heading: 'Date (London)', kind: 'date', mhsds: 'CARE CONTACT DATE', width: 12 },
  { key: 'care_contact_time', heading: 'Time (London)', kind: 'time', mhsds: 'CARE CONTACT TIME', width: 10 },
  { key: 'care_contact_start', heading: 'Started (London, with offset)', kind: 'instant', width: 26 },
  { key: 'utc_offset', heading: 'UTC offset', kind: 'offset', width: 11 },
  { key: 'consultation_mechanism', heading: 'Consultation mechanism', kind: 'code', mhsds: 'CONSULTATION MECHANISM (MENTAL HEALTH)', width: 12 },
  { key: 'contact_route', heading: 'Contact route', kind: 'code', width: 18 },
  { key: 'caller_type', heading: 'Caller type', kind: 'code', width: 14 },
  { key: 'age_band', heading: 'Age band', kind: 'code', width: 13 },
  { key: 'clinical_response_priority', heading: 'Clinical response priority', kind: 'code', mhsds: 'CLINICAL RESPONSE PRIORITY TYPE', width: 12 },
  { key: 'outcome_code', heading: 'Outcome code', kind: 'code', mhsds: 'MENTAL HEALTH DROP IN CONTACT OUTCOME', width: 10 },
  { key: 'record_status', heading: 'Record status', kind: 'code', width: 11 },
  { key: 'clinical_contact_duration_minutes', heading: 'Duration (minutes)', kind: 'integer', mhsds: 'CLINICAL CONTACT DURATION OF CARE CONTACT', width: 11 },
  { key: 'handling_time_seconds', heading: 'Handling time (seconds)', kind: 'integer', width: 11 },
  { key: 'immediate_danger', heading: 'Immediate danger', kind: 'flag', width: 9 },
  { key: 'emergency_services_called', heading: '999 called', kind: 'flag', width: 9 },
  { key: 'police_contacted', heading: 'Police contacted', kind: 'flag', width: 9 },
  { key: 'ambulance_requested', heading: 'Ambulance requested', kind: 'flag', width: 9 },
  { key: 'welfare_check_requested', heading: 'Welfare check requested', kind: 'flag', width: 9 },
  { key: 'safeguarding_referral', heading: 'Safeguarding referral', kind: 'flag', width: 9 },
  { key: 'safeguarding_concern_children', heading: 'Safeguarding concern: children', kind: 'flag', width: 9 },
  { key: 'safeguarding_concern_adults', heading: 'Safeguarding concern: adults', kind: 'flag', width: 9 },
  { key: 'referrals_total', heading: 'Referrals', kind: 'integer', width: 9 },
  ...REFERRAL_COLUMNS,
  { key: 'callback_required', heading: 'Callback asked for', kind: 'flag', width: 9 },
  { key: 'callback_due', heading: 'Callback due (London, with offset)', kind: 'instant', width: 26 },
  { key: 'callback_made', heading: 'Callback made (London, with offset)', kind: 'instant', width: 26 },
  { key: 'callback_made_by_addendum', heading: 'Callback made by addendum', kind: 'flag', width: 9 },
  { key: 'callback_status', heading: 'Callback status', kind: 'code', width: 12 },
];

/** A cell: text and codes as strings, counts as numbers, flags as booleans, times as instants (ms). */
export type ContactValue = string | number | boolean | null;
export type ContactRow = readonly ContactValue[];

/** MHSDS CONSULTATION MECHANISM (MENTAL HEALTH): 02 telephone, 09 text message (asynchronous), 98 other. */
export const CONSULTATION_MECHANISM: Record<ContactRoute, string> = {
  nhs111_option2: '02',
  direct_line: '02',
  professional_line: '02',
  callback: '02',
  text: '09',
  other: '98',
};

/**
 * MHSDS CLINICAL RESPONSE PRIORITY TYPE, derived (the record has no such field): 1 Emergency when
 * the caller was in immediate danger or emergency services were notified (outcome 06); 2
 * Urgent/serious for an urgent referral for face-to-face assessment (05); 3 Routine for any other
 * recorded outcome; blank while no outcome is recorded.
 */
export function clinicalResponsePriority(r: Pick<SummaryRecord, 'immediateDanger' | 'outcomeCode'>): string | null {
  if (r.immediateDanger || r.outcomeCode === '06') return '1';
  const code: OutcomeCode | null = r.outcomeCode;
  if (code === '05') return '2';
  return code === null ? null : '3';
}

const MS_PER_HOUR = 3_600_000;

/** '2026-10-25T01:15:09+00:00': London's wall clock to the second, with its offset. */
export function londonIso(ms: number): string {
  const wall = londonWallClock(ms);
  return `${wall.slice(0, 16)}:${String(Math.floor((((ms % 60_000) + 60_000) % 60_000) / 1000)).padStart(2, '0')}${wall.slice(16)}`;
}

/** The contacts of the range in the order of the files: by start, then by record id. */
export function contactsOf(records: readonly SummaryRecord[], from: Date, to: Date): SummaryRecord[] {
  return records
    .filter((r) => r.status !== 'discarded' && startedIn(r, from.getTime(), to.getTime()))
    .map((r) => ({ r, t: Date.parse(r.startedAt) }))
    .sort((a, b) => a.t - b.t || (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0))
    .map((x) => x.r);
}

/** A row's values, in CONTACT_COLUMNS order. Instants are milliseconds since 1970 (UTC). */
export function contactRow(r: SummaryRecord, audience: Audience, now: Date): ContactRow {
  const reporting = audience === 'reporting';
  // For reporting outside the team, times to the hour (London's offset is whole hours, so UTC and London hours agree).
  const coarse = (ms: number) => (reporting ? Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR : Math.floor(ms / 1000) * 1000);
  const started = coarse(Date.parse(r.startedAt));
  const wall = londonWallClock(started);
  const seconds = r.endedAt === null ? null : (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000;
  const measured = seconds !== null && seconds >= 0 ? seconds : null;
  const owed = callbackOwed(r);
  const referralCounts = SERVICE_TYPES.map((t) => r.referrals.filter((x) => x.serviceType === t).length);
  const made = r.callback.required && !owed && r.callback.madeAt !== null ? coarse(Date.parse(r.callback.madeAt)) : null;
  return [
    reporting ? null : callReference(r.id),
    wall.slice(0, 10),
    `${wall.slice(11, 16)}:${String(Math.floor((started % 60_000) / 1000)).padStart(2, '0')}`,
    started,
    `UTC${wall.slice(16)}`,
    CONSULTATION_MECHANISM[r.contactRoute],
    r.contactRoute,
    r.caller.type,
    ageBandOf(r),
    clinicalResponsePriority(r),
    r.outcomeCode,
    r.status,
    measured === null ? null : Math.round(measured / 60),
    measured === null ? null : Math.round(measured),
    r.immediateDanger,
    r.interventions.includes('emergency_services_called'),
    r.interventions.includes('police_contacted'),
    r.interventions.includes('ambulance_requested'),
    r.interventions.includes('welfare_check_requested'),
    r.safeguarding.referralMade,
    r.safeguarding.childrenConcern,
    r.safeguarding.adultConcern,
    r.referrals.length,
    ...referralCounts,
    r.callback.required,
    r.callback.required && r.callback.dueAt !== null ? coarse(Date.parse(r.callback.dueAt)) : null,
    made,
    r.callback.required && !owed && r.callback.madeByAddendum,
    !r.callback.required ? 'none' : !owed ? 'made' : r.callback.dueAt !== null && Date.parse(r.callback.dueAt) < now.getTime() ? 'overdue' : 'outstanding',
  ];
}

/** The columns a file for this audience has (reporting leaves out the handover-only ones). */
export function contactColumnsFor(audience: Audience): { columns: ContactColumn[]; indexes: number[] } {
  const indexes = CONTACT_COLUMNS.map((_, i) => i).filter((i) => audience === 'handover' || !CONTACT_COLUMNS[i]!.handoverOnly);
  return { columns: indexes.map((i) => CONTACT_COLUMNS[i]!), indexes };
}
