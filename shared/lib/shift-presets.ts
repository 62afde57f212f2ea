import { z } from 'zod';
import { dateOfDayNumber, dayNumberOf, instantOfLondonWallClock, londonMomentOf } from './calendar';

/*
 * A team's shifts ("day 08:00–20:00", "night 20:00–08:00"), set per team on the server. Times are
 * London wall-clock times, so a shift is right across the clock changes by construction: the night
 * of 24–25 October 2026 runs 20:00 BST to 08:00 GMT, 13 hours, with the repeated hour inside it;
 * the night of 28–29 March 2026 runs 20:00 GMT to 08:00 BST, 11 hours. A shift that ends at or
 * before its start time ends the next day. A start or end inside the hour the clocks skip happens
 * when they jump, one inside the repeated hour the first time the clocks show it (calendar.ts).
 */

const WallClock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time such as 08:00');

export const ShiftPreset = z
  .object({
    /** Stable within the team: 'day', 'night', 'late'. */
    id: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be lower-case letters, digits, - or _ (up to 40)'),
    label: z.string().trim().min(1).max(60),
    start: WallClock,
    end: WallClock,
  })
  .strict();
export type ShiftPreset = z.infer<typeof ShiftPreset>;

/** What a team gets until someone sets its shifts. */
export const DEFAULT_SHIFT_PRESETS: readonly ShiftPreset[] = [
  { id: 'day', label: 'Day', start: '08:00', end: '20:00' },
  { id: 'night', label: 'Night', start: '20:00', end: '08:00' },
];

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export interface ShiftRange {
  preset: ShiftPreset;
  /** The London date the shift starts on. */
  date: string;
  from: Date;
  to: Date;
}

/** The shift of this preset that starts on this London date ('YYYY-MM-DD'). */
export function shiftOn(preset: ShiftPreset, date: string): ShiftRange {
  const day = dayNumberOf(date);
  const start = minutesOf(preset.start);
  const end = minutesOf(preset.end);
  return {
    preset,
    date,
    from: instantOfLondonWallClock(day, start),
    to: instantOfLondonWallClock(end <= start ? day + 1 : day, end),
  };
}

/**
 * The shift under way at `now`, or else the one that ended most recently: what a lead means by
 * "this shift" (during it, or at handover just after it).
 */
export function currentShift(presets: readonly ShiftPreset[], now: Date): ShiftRange | null {
  if (presets.length === 0) return null;
  const today = londonMomentOf(now).day;
  const t = now.getTime();
  let best: ShiftRange | null = null;
  for (let day = today - 2; day <= today; day++) {
    for (const p of presets) {
      const s = shiftOn(p, dateOfDayNumber(day));
      if (s.from.getTime() <= t && t < s.to.getTime()) return s;
      if (s.to.getTime() <= t && (!best || s.to.getTime() > best.to.getTime())) best = s;
    }
  }
  return best;
}
