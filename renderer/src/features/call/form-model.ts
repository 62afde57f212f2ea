import type { FieldErrors, Resolver } from 'react-hook-form';
import { z } from 'zod';
import { CALLER_TYPES, DraftContentShape, OUTCOME_CODES, type DraftContent, type OutcomeCode, type TypedField } from '../../../../shared/domain/call-record';
import { callbackDueProblem, dateOfBirthProblem, TYPED_FIELD_MESSAGES } from '../../../../shared/domain/finalise';
import { formatNhsNumber, nhsNumberProblem, normaliseNhsNumber } from '../../../../shared/lib/nhs-number';
import { storableText } from '../../../../shared/lib/storable-text';
import { revealInPane } from '../../lib/focus';
import { fromLocalText, toLocalText } from '../../lib/time';

/*
 * The call record as the form holds it: the shared draft schema (DraftContent, which takes text
 * past its clinical limits) with the few fields a person types as text (date of birth, stated age,
 * callback due) kept as that text, so a half-typed date is never lost or rejected while typing.
 * toContent() turns the form into the draft the core saves: text that does not read yet is saved
 * as typed, aside (`typed`), and flagged at its field. Nothing a field holds can stop the rest of
 * the record from being saved; what finalising needs is checked by the shared finalise rules, in
 * the same words these field checks use.
 */

const OUTCOME_VALUES = Object.keys(OUTCOME_CODES) as [OutcomeCode, ...OutcomeCode[]];

/** A date of birth as typed (27/03/1985, 27-3-1985, 27 3 1985 or 1985-03-27) → 'YYYY-MM-DD' when it is a real date, else null. */
export function parseDateOfBirth(text: string): string | null {
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

/**
 * What may be typed into the NHS number: digits, with spaces as the clinician likes to group them
 * (a dash, as some letters print it, becomes a space). Anything else is dropped as it is typed or
 * pasted; `dropped` says whether something was.
 */
export function nhsNumberInput(text: string): { value: string; dropped: boolean } {
  const value = text.replace(/-/g, ' ').replace(/[^\d ]/g, '');
  return { value, dropped: value.length !== text.length };
}

const { caller: DraftCaller, callback: DraftCallback, outcome: DraftOutcome } = DraftContentShape.shape;

/**
 * The one message each checked field shows at itself; the same sentences finalising uses. Reads
 * only the fields it checks, and copes with any value in the others (a radio group with nothing
 * chosen reads as null), so no field can keep another's message from showing.
 */
export function fieldProblems(v: FormValues, now: Date = new Date()): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const text = (s: string | null | undefined) => (typeof s === 'string' ? s : '');
  const dob = text(v.caller.dateOfBirth).trim();
  if (dob) {
    const iso = parseDateOfBirth(dob);
    const problem = iso ? dateOfBirthProblem(iso, v.startedAt) : TYPED_FIELD_MESSAGES['caller.dateOfBirth'];
    if (problem) out.push({ path: 'caller.dateOfBirth', message: problem });
  }
  const age = text(v.caller.ageYears);
  if (age.trim() && parseAge(age) === null) out.push({ path: 'caller.ageYears', message: TYPED_FIELD_MESSAGES['caller.ageYears'] });
  const nhs = nhsNumberProblem(text(v.caller.nhsNumber));
  if (nhs) out.push({ path: 'caller.nhsNumber', message: nhs });
  const due = text(v.callback.dueAt).trim();
  if (v.callback.required && due) {
    const iso = fromLocalText(due);
    const problem = iso ? callbackDueProblem({ ...v.callback, dueAt: iso }, now) : TYPED_FIELD_MESSAGES['callback.dueAt'];
    if (problem) out.push({ path: 'callback.dueAt', message: problem });
  }
  return out;
}

/** The shape of the form's values: the draft, with the fields typed as text kept as text. */
export const FormSchema = DraftContentShape.omit({ typed: true }).extend({
  caller: DraftCaller.extend({
    type: z.union([z.enum(CALLER_TYPES), z.literal('')]),
    dateOfBirth: z.string(),
    ageYears: z.string(),
  }),
  outcome: DraftOutcome.extend({ code: z.union([z.enum(OUTCOME_VALUES), z.literal('')]) }),
  callback: DraftCallback.extend({ dueAt: z.string() }),
});

export type FormValues = z.input<typeof FormSchema>;

/**
 * react-hook-form's resolver: the field messages of fieldProblems, each at its field. Nothing else
 * is an error while drafting (any text is a valid draft), and no field's value can stop another's
 * check, as a schema refinement would (it runs only when every other field parses).
 */
export const fieldResolver: Resolver<FormValues> = (values) => {
  const errors: Record<string, Record<string, { type: string; message: string }>> = {};
  for (const p of fieldProblems(values)) {
    const [group, field] = p.path.split('.') as [string, string];
    (errors[group] ??= {})[field] = { type: 'field', message: p.message };
  }
  return Object.keys(errors).length ? { values: {}, errors: errors as FieldErrors<FormValues> } : { values, errors: {} };
};

/** Every string in a value, mapped (the record's text is all in strings). */
function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)])) as T;
  return value;
}

export function fromContent(c: DraftContent): FormValues {
  const { typed, ...content } = c;
  const asTyped = (field: TypedField) => typed?.[field];
  return {
    ...content,
    caller: {
      ...c.caller,
      type: c.caller.type ?? '',
      dateOfBirth: asTyped('caller.dateOfBirth') ?? formatDateOfBirth(c.caller.dateOfBirth),
      ageYears: asTyped('caller.ageYears') ?? (c.caller.ageYears === null ? '' : String(c.caller.ageYears)),
      // Saved as ten digits; shown grouped 3-3-4, as it is printed on NHS letters.
      nhsNumber: normaliseNhsNumber(c.caller.nhsNumber) ? formatNhsNumber(normaliseNhsNumber(c.caller.nhsNumber)!) : c.caller.nhsNumber,
    },
    outcome: { ...c.outcome, code: c.outcome.code ?? '' },
    callback: { ...c.callback, dueAt: asTyped('callback.dueAt') ?? toLocalText(c.callback.dueAt) },
  };
}

/**
 * The draft the core saves for the form as it stands. A date, time or number that does not read
 * yet is saved as null with its text kept as typed in `typed`; text PostgreSQL cannot hold (a
 * pasted NUL) becomes U+FFFD, so no character stops the draft from reaching the server.
 */
export function toContent(form: FormValues): DraftContent {
  const v = mapStrings(form, storableText);
  const typed: Partial<Record<TypedField, string>> = {};
  const read = <T,>(field: TypedField, text: string, parse: (s: string) => T | null): T | null => {
    if (!text.trim()) return null;
    const value = parse(text);
    if (value === null) typed[field] = text;
    return value;
  };
  const nhs = v.caller.nhsNumber.trim();
  const content: DraftContent = {
    ...v,
    caller: {
      ...v.caller,
      type: v.caller.type === '' ? null : v.caller.type,
      dateOfBirth: read('caller.dateOfBirth', v.caller.dateOfBirth, parseDateOfBirth),
      ageYears: read('caller.ageYears', v.caller.ageYears, parseAge),
      nhsNumber: normaliseNhsNumber(nhs) ?? nhs,
    },
    outcome: { ...v.outcome, code: v.outcome.code === '' ? null : v.outcome.code },
    callback: { ...v.callback, dueAt: read('callback.dueAt', v.callback.dueAt, fromLocalText) },
  };
  return Object.keys(typed).length > 0 ? { ...content, typed } : content;
}

/** The DOM id of a field, or of the group holding it; finalise issues link here. */
export function fieldId(path: string): string {
  return `f-${path.replace(/\./g, '-')}`;
}

/** Moves focus to a field named by its path (from finaliseIssues or the core), scrolling its pane to it. */
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
  revealInPane(el.closest<HTMLElement>('.field, fieldset') ?? target);
  return true;
}
