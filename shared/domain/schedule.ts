import { z } from 'zod';

/** 'HH:MM' local (Europe/London) wall-clock time; '24:00' only as a closing time. */
export const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time as HH:MM');
export const LocalDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date as YYYY-MM-DD');

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export const Weekday = z.number().int().min(1).max(7);

/**
 * One opening session. A closing time at or before the opening time means the session runs
 * past midnight into the next day (an overnight sanctuary 18:00–02:00). 00:00–24:00 is a whole day.
 */
export const Session = z.object({ opens: LocalTime, closes: LocalTime });
export type Session = z.infer<typeof Session>;

export const WeeklySession = Session.extend({ days: z.array(Weekday).min(1) });
export type WeeklySession = z.infer<typeof WeeklySession>;

/**
 * A dated exception (inclusive range): closed (no sessions) or special hours. Exceptions win over
 * both the weekly pattern and the bank-holiday rule.
 */
export const ScheduleException = z.object({
  from: LocalDate,
  to: LocalDate,
  sessions: z.array(Session),
  note: z.string().max(500).optional(),
});
export type ScheduleException = z.infer<typeof ScheduleException>;

/**
 * Bank holidays: open as usual, closed, or open for the given sessions instead of the weekday's.
 * Which days count as bank holidays is decided in lib/bank-holidays.ts.
 */
export const BankHolidayRule = z.union([z.literal('as_usual'), z.literal('closed'), z.array(Session).min(1)]);
export type BankHolidayRule = z.infer<typeof BankHolidayRule>;

export const Schedule = z.object({
  /** Open around the clock every day (still subject to exceptions and the bank-holiday rule). */
  alwaysOpen: z.boolean(),
  weekly: z.array(WeeklySession),
  bankHolidays: BankHolidayRule,
  exceptions: z.array(ScheduleException),
  /** Free-text notes from the publisher ("last entry 1 hour before closing"). */
  note: z.string().max(1000).optional(),
});
export type Schedule = z.infer<typeof Schedule>;

export const ALWAYS_OPEN: Schedule = { alwaysOpen: true, weekly: [], bankHolidays: 'as_usual', exceptions: [] };
