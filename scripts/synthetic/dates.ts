/** Calendar arithmetic on 'YYYY-MM-DD' dates (no time zones involved). */

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Days from a to b (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** '2026-12-24' → '24 December 2026', as dates are written in alerts. */
export function longDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[m! - 1]} ${y}`;
}

/** The year of the first Christmas Eve on or after the date. */
export function nextChristmasYear(date: string): number {
  const year = Number(date.slice(0, 4));
  return date.slice(5) > '12-24' ? year + 1 : year;
}
