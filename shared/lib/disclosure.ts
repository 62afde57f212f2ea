/*
 * Who a shift summary file is for, and how its figures are shown to them.
 *
 * - handover: inside the team. Exact counts, call references and owners, so the next shift can act.
 * - reporting: outside the team (commissioners, trust reporting). The small-number rule NHS England
 *   applies to Mental Health Services Data Set publications: a count of 1 to 4 is shown as `*`,
 *   every other count is rounded to the nearest 5 (0 stays 0); a percentage is left out (`*`) when
 *   its numerator or its denominator is under 5, and is otherwise worked out from the exact counts
 *   and rounded to a whole number. Totals are rounded on their own, so parts need not add up to
 *   them. No call references, owners, desk ids or handover list.
 */

export const AUDIENCES = ['handover', 'reporting'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const AUDIENCE_LABELS: Record<Audience, string> = {
  handover: 'For handover within the team',
  reporting: 'For reporting outside the team',
};

/** The rule as printed on every file, so whoever opens it knows what the numbers mean. */
export const AUDIENCE_RULES: Record<Audience, string> = {
  handover: 'Exact counts, with call references and owners. Keep within the team.',
  reporting: 'Counts of 1 to 4 are shown as *, other counts are rounded to the nearest 5; a percentage is shown as * when its numerator or denominator is under 5. No call references or owners.',
};

export const SUPPRESSED = '*';

/** A count as the audience may see it: the number to show (null when suppressed) and its text. */
export interface ShownCount {
  value: number | null;
  text: string;
}

/** A count under the audience's rule. */
export function shownCount(n: number, audience: Audience): ShownCount {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`A count must be a whole number of at least 0, not ${n}.`);
  if (audience === 'handover' || n === 0) return { value: n, text: String(n) };
  if (n < 5) return { value: null, text: SUPPRESSED };
  const rounded = Math.round(n / 5) * 5;
  return { value: rounded, text: String(rounded) };
}

/** A whole-number percentage of part in whole, under the audience's rule; '–' when whole is 0 for handover. */
export function shownPercentage(part: number, whole: number, audience: Audience): ShownCount {
  if (audience === 'reporting' && (part < 5 || whole < 5)) return { value: null, text: SUPPRESSED };
  if (whole === 0) return { value: null, text: '–' };
  const pct = Math.round((part / whole) * 100);
  return { value: pct, text: `${pct}%` };
}

/**
 * A statistic over some calls (a median handling time): shown for reporting only when it is over
 * at least 5 calls, since a median of 1 to 4 calls is close to one person's own figure.
 */
export function shownStatistic<T>(value: T | null, over: number, audience: Audience): T | null | typeof SUPPRESSED {
  if (audience === 'reporting' && over > 0 && over < 5) return SUPPRESSED;
  return value;
}
