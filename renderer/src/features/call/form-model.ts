import { z } from 'zod';
import { Callback, Caller, CallRecordContent, CALLER_TYPES, Outcome, OUTCOME_CODES, type OutcomeCode } from '../../../../shared/domain/call-record';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../../shared/lib/nhs-number';
import { fromLocalText, toLocalText } from '../../lib/time';

/*
 * The call record as the form holds it. It is the shared CallRecordContent schema with the few
 * fields a person types as text (date of birth, stated age, callback due) kept as that text, so a
 * half-typed date is never lost or rejected while typing. toContent() turns the form into the
 * content the core stores; anything not yet readable is saved as empty and flagged at the field.
 */

const OUTCOME_VALUES = Object.keys(OUTCOME_CODES) as [OutcomeCode, ...OutcomeCode[]];

const DOB_MESSAGE = 'Enter the date of birth as day/month/year, for example 27/03/1985.';
const AGE_MESSAGE = 'Enter the age in whole years, from 0 to 130.';
const DUE_MESSAGE = 'Enter when the callback is due as day/month/year and 24-hour time, for example 22/11/2026 15:30.';

/** A date of birth as typed (27/03/1985, 27-3-1985, 27 3 1985 or 1985-03-27) → 'YYYY-MM-DD', or null. */
export function parseDateOfBirth(text: string, today: Date = new Date()): string | null {
  const t = text.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else {
    match = /^(\d{1,2})[\s/.-]+(\d{1,2})[\s/.-]+(\d{4})$/.exec(t);
    if (!match) return null;
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (y < 1890 || date.getTime() > today.getTime()) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function formatDateOfBirth(iso: string | null): string {
  if (!iso) return '';
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

export function parseAge(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,3}$/.test(t)) return null;
  const n = Number(t);
  return n <= 130 ? n : null;
}

const blankOr = (check: (s: string) => boolean) => (s: string) => s.trim() === '' || check(s);

export const FormSchema = CallRecordContent.extend({
  caller: Caller.extend({
    type: z.union([z.enum(CALLER_TYPES), z.literal('')]),
    dateOfBirth: z.string().max(20).refine(blankOr((s) => parseDateOfBirth(s) !== null), DOB_MESSAGE),
    ageYears: z.string().max(5).refine(blankOr((s) => parseAge(s) !== null), AGE_MESSAGE),
    nhsNumber: Caller.shape.nhsNumber.refine(blankOr((s) => isValidNhsNumber(s)), 'This is not a valid NHS number: check the 10 digits with the caller.'),
  }),
  outcome: Outcome.extend({ code: z.union([z.enum(OUTCOME_VALUES), z.literal('')]) }),
  callback: Callback.extend({ dueAt: z.string().refine(blankOr((s) => fromLocalText(s) !== null), DUE_MESSAGE) }),
});

export type FormValues = z.input<typeof FormSchema>;

export function fromContent(c: CallRecordContent): FormValues {
  return {
    ...c,
    caller: { ...c.caller, type: c.caller.type ?? '', dateOfBirth: formatDateOfBirth(c.caller.dateOfBirth), ageYears: c.caller.ageYears === null ? '' : String(c.caller.ageYears) },
    outcome: { ...c.outcome, code: c.outcome.code ?? '' },
    callback: { ...c.callback, dueAt: toLocalText(c.callback.dueAt) },
  };
}

/** What the core stores for the form as it stands; text that cannot be read yet is stored empty. */
export function toContent(v: FormValues): CallRecordContent {
  const nhs = v.caller.nhsNumber.trim();
  return {
    ...v,
    caller: {
      ...v.caller,
      type: v.caller.type === '' ? null : v.caller.type,
      dateOfBirth: v.caller.dateOfBirth.trim() ? parseDateOfBirth(v.caller.dateOfBirth) : null,
      ageYears: parseAge(v.caller.ageYears),
      nhsNumber: normaliseNhsNumber(nhs) ?? nhs,
    },
    outcome: { ...v.outcome, code: v.outcome.code === '' ? null : v.outcome.code },
    callback: { ...v.callback, dueAt: v.callback.dueAt.trim() ? fromLocalText(v.callback.dueAt) : null },
  };
}

/** The DOM id of a field, or of the group holding it; finalise issues link here. */
export function fieldId(path: string): string {
  return `f-${path.replace(/\./g, '-')}`;
}

/** Moves focus to a field named by its path (from finaliseIssues or the core), scrolling it into view. */
export function focusField(path: string, doc: Document = document): boolean {
  let el = doc.getElementById(fieldId(path));
  // Issues about a whole area name it; fall back to its parent's id ('risk.toSelf.indicators' → 'risk.toSelf').
  for (let p = path; !el && p.includes('.'); ) {
    p = p.slice(0, p.lastIndexOf('.'));
    el = doc.getElementById(fieldId(p));
  }
  if (!el) return false;
  const target = el.matches('input, select, textarea, button, [tabindex]')
    ? el
    : (el.querySelector<HTMLElement>('input:not([type=hidden]):not(:disabled), select, textarea, button') ?? el);
  if (target === el && !el.hasAttribute('tabindex') && !el.matches('input, select, textarea, button')) el.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
  target.scrollIntoView?.({ block: 'center' });
  return true;
}
