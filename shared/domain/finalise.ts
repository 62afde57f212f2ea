import { dayNumberOf, londonDateOf } from '../lib/calendar';
import { nhsNumberProblem } from '../lib/nhs-number';
import { CallRecordContent, EMERGENCY_INTERVENTIONS, MAX_REFERRALS, TEXT_LIMITS, TYPED_FIELDS, type DraftContent, type TextPath, type TypedField } from './call-record';

/** Something that must be put right before a record can be finalised, with the field it concerns. */
export interface FinaliseIssue {
  field: string;
  message: string;
}

const blank = (s: string) => s.trim().length === 0;
const count = (n: number) => n.toLocaleString('en-GB');

/*
 * What is wrong with one field, in one sentence. The form shows these at the field as the
 * clinician types, and finaliseIssues reports the same sentences, so a field never carries two
 * messages about one problem.
 */

/** For a date, time or number field whose text (kept in `typed`) does not read as one. */
export const TYPED_FIELD_MESSAGES: Record<TypedField, string> = {
  'caller.dateOfBirth': 'Enter the date of birth as day/month/year, for example 27/03/1985.',
  'caller.ageYears': 'Enter the age in whole years, from 0 to 130.',
  'callback.dueAt': 'Enter when the callback is due as day/month/year and 24-hour time, for example 22/11/2026 15:30.',
};

const OLDEST_AGE = 130;

function realDate(iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Whole years from a 'YYYY-MM-DD' birth date to a 'YYYY-MM-DD' day (a 29 February birthday falls on 1 March in other years). */
function yearsBetween(birth: string, day: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/**
 * A date of birth ('YYYY-MM-DD') that cannot be right for a call that started at `startedAt`: not
 * a real date, after the day of the call (in London), or more than 130 years before it.
 */
export function dateOfBirthProblem(dateOfBirth: string | null, startedAt: string): string | null {
  if (!dateOfBirth) return null;
  if (!realDate(dateOfBirth)) return 'This is not a real date: check the date of birth with the caller.';
  const callDay = londonDateOf(new Date(startedAt));
  if (dayNumberOf(dateOfBirth) > dayNumberOf(callDay)) return 'This date of birth is in the future (after the day of the call): check it with the caller.';
  if (yearsBetween(dateOfBirth, callDay) > OLDEST_AGE) return `This date of birth makes the caller older than ${OLDEST_AGE}: check the year with the caller.`;
  return null;
}

/** A callback still to make whose due time has passed by `now`. */
export function callbackDueProblem(callback: DraftContent['callback'], now: Date): string | null {
  if (!callback.required || !callback.dueAt || callback.completedAt) return null;
  return Date.parse(callback.dueAt) < now.getTime() ? 'This time has passed: set when the callback is now due, or record that the callback has been made.' : null;
}

/** Free text longer than a finalised record holds there (the draft keeps all of it). */
export function tooLongProblem(length: number, limit: number): string | null {
  if (length <= limit) return null;
  return `Too long to finalise: ${count(length)} characters, and a finalised record holds at most ${count(limit)} here. Shorten it by ${count(length - limit)}; the draft keeps all of it meanwhile.`;
}

/**
 * Age in whole years on the day of the call (its date in London, not in UTC: a call at 00:30 BST
 * on an 18th birthday is from an 18-year-old), from the date of birth when it can be right, else
 * from the stated age.
 */
export function callerAgeYears(content: Pick<DraftContent, 'startedAt'> & { caller: Pick<DraftContent['caller'], 'dateOfBirth' | 'ageYears'> }): number | null {
  const { dateOfBirth, ageYears } = content.caller;
  if (dateOfBirth && dateOfBirthProblem(dateOfBirth, content.startedAt) === null) return yearsBetween(dateOfBirth, londonDateOf(new Date(content.startedAt)));
  return ageYears;
}

/** Every free-text field of a record with its path and clinical limit (each referral's fields numbered). */
function textFields(c: DraftContent): { field: string; value: string; limit: number }[] {
  const out: { field: string; value: string; limit: number }[] = [];
  for (const [pattern, limit] of Object.entries(TEXT_LIMITS) as [TextPath, number][]) {
    const [head, star, ...rest] = pattern.split('.');
    if (star === '*') {
      c.referrals.forEach((r, i) => out.push({ field: `${head}.${i}.${rest.join('.')}`, value: String((r as Record<string, unknown>)[rest[0]!] ?? ''), limit }));
      continue;
    }
    let v: unknown = c;
    for (const k of pattern.split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
    if (typeof v === 'string') out.push({ field: pattern, value: v, limit });
  }
  return out;
}

/**
 * Everything that stops a record from being finalised at `now`. The screen shows these next to
 * the fields; the core and the server refuse to finalise while any remain. An empty list means
 * the record meets CallRecordContent (finalisableContent gives it as one) and may be finalised.
 */
export function finaliseIssues(c: DraftContent, now: Date = new Date()): FinaliseIssue[] {
  const issues: FinaliseIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });
  const disconnected = c.outcome.code === '01';

  if (!c.caller.type) add('caller.type', 'Say who called.');
  if (!c.caller.anonymous && blank(c.caller.name)) add('caller.name', 'Give the caller’s name, or mark the caller as anonymous.');
  for (const field of TYPED_FIELDS) if (!blank(c.typed?.[field] ?? '')) add(field, TYPED_FIELD_MESSAGES[field]);
  const dob = dateOfBirthProblem(c.caller.dateOfBirth, c.startedAt);
  if (dob) add('caller.dateOfBirth', dob);
  const nhs = nhsNumberProblem(c.caller.nhsNumber);
  if (nhs) add('caller.nhsNumber', nhs);
  if (blank(c.presentingNeed.summary)) add('presentingNeed.summary', 'Summarise why the person called.');

  if (!disconnected) {
    for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding'] as const) {
      if (c.risk[area].status === 'not_assessed') add(`risk.${area}.status`, 'Record the risk assessment for this area (or choose “none identified”).');
    }
    if (blank(c.risk.formulation)) add('risk.formulation', 'Write the risk formulation.');
    if (c.consent.informationSharing === 'not_asked') add('consent.informationSharing', 'Record whether the caller consents to information sharing.');
  }
  for (const area of ['toSelf', 'toOthers', 'fromOthers'] as const) {
    const r = c.risk[area];
    if (r.status === 'present' && r.indicators.length === 0 && blank(r.notes)) add(`risk.${area}.indicators`, 'Say what the risk is: choose indicators or add notes.');
  }
  const sg = c.risk.safeguarding;
  if ((sg.childrenConcern || sg.adultConcern) && sg.status !== 'present') add('risk.safeguarding.status', 'A safeguarding concern is ticked: mark safeguarding risk as present.');
  if (sg.status === 'present' && !sg.referralMade && blank(sg.notes)) add('risk.safeguarding.notes', 'No safeguarding referral made: record why.');

  const emergency = c.interventions.items.some((i) => EMERGENCY_INTERVENTIONS.includes(i));
  if (c.risk.immediateDanger && !emergency) add('interventions.items', 'Immediate danger is recorded: record the emergency response (emergency services or welfare check).');
  if (c.risk.immediateDanger && c.outcome.code !== '06') add('outcome.code', 'Immediate danger is recorded: the outcome should be 06, emergency services notified.');

  if (!c.outcome.code) add('outcome.code', 'Choose the outcome of the call.');
  if (c.outcome.code === '06' && !emergency) add('interventions.items', 'Outcome 06: record which emergency service was notified.');
  if ((c.outcome.code === '03' || c.outcome.code === '04' || c.outcome.code === '05') && c.referrals.length === 0) {
    add('referrals', 'This outcome needs the service the caller was signposted or referred to.');
  }
  if ((c.outcome.code === '04' || c.outcome.code === '05') && !c.referrals.some((r) => r.method !== 'signposted')) {
    add('referrals', 'A referral outcome needs at least one referral (not only signposting).');
  }

  const age = callerAgeYears(c);
  if (age !== null) {
    for (const r of c.referrals) {
      if ((r.serviceAgeMin !== null && age < r.serviceAgeMin) || (r.serviceAgeMax !== null && age > r.serviceAgeMax)) {
        add('referrals', `${r.serviceName} does not take people aged ${age}: choose a service for this age.`);
      }
    }
  }
  if (c.consent.informationSharing === 'declined' && c.referrals.some((r) => r.method !== 'signposted') && blank(c.consent.notes)) {
    add('consent.notes', 'Consent was declined but a referral was made: record the reason for sharing.');
  }
  if (c.callback.required && !c.callback.dueAt && blank(c.typed?.['callback.dueAt'] ?? '')) add('callback.dueAt', 'Set when the callback is due.');
  const due = callbackDueProblem(c.callback, now);
  if (due) add('callback.dueAt', due);
  if (c.callback.required && blank(c.callback.phone) && blank(c.caller.phone)) add('callback.phone', 'Give a number to call back on.');

  // The clinical limits, which a draft may exceed; a field already reported keeps its one message.
  for (const t of textFields(c)) {
    const long = tooLongProblem(t.value.length, t.limit);
    if (long && !issues.some((i) => i.field === t.field)) add(t.field, long);
  }
  if (c.referrals.length > MAX_REFERRALS) {
    add('referrals', `${count(c.referrals.length)} services are linked; a record holds at most ${MAX_REFERRALS}. Remove ${count(c.referrals.length - MAX_REFERRALS)}.`);
  }
  // Anything else the final schema refuses (nothing the form can make): still one issue at its field.
  const strict = CallRecordContent.safeParse(c);
  if (!strict.success) {
    const named = new Set(issues.map((i) => i.field));
    for (const issue of strict.error.issues) {
      const field = issue.path.map(String).join('.') || 'record';
      if (named.has(field)) continue;
      named.add(field);
      add(field, `This cannot be finalised as it stands (${issue.message}): correct it or clear it.`);
    }
  }
  return issues;
}

/** The content a record is finalised with: its draft, held to every clinical limit, without what was typed aside. */
export function finalisableContent(c: DraftContent): CallRecordContent {
  return CallRecordContent.parse(c);
}
