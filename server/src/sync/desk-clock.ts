/*
 * A desk's clock is the clinician's account of when they finalised or discarded a record, and is
 * usually right to the second; but a desk whose clock is wrong (a flat CMOS battery, a virtual
 * machine restored from a snapshot, a hand-set date) once stored a finalisation in 1999, and the
 * shift summaries, handover lists and exports read these times as facts.
 *
 * So the desk's time is kept as it said (desk_finalised_at, desk_discarded_at) and used as the
 * record's time only within what the server can vouch for from its own clock:
 *  - not after the server received the change, give or take a desk clock a few minutes fast;
 *  - not long before the server first heard of the record: a desk may work offline and send
 *    changes later, but not changes older than the longest a desk is expected to hold them.
 * Outside those bounds the server's receipt time is used (the latest the event can have happened,
 * so a callback or a draft is never counted as closed earlier than it may have been), and the
 * reason is kept with the record (desk_clock_note). Nothing is refused for it: a clinician's
 * finalised record is never held back because of their computer's clock.
 */

/** How far ahead of the server a desk's clock may be before its time is not used (NTP keeps desks within seconds; 5 minutes covers one that drifted). */
export const DESK_CLOCK_AHEAD_MS = 5 * 60_000;

/**
 * How long before the server first received a record a desk's time for it may be: the longest a
 * desk is expected to hold changes while offline (a desk left off over a long holiday with work
 * unsent, and sent on its return), generously.
 */
export const DESK_HOLD_MS = 30 * 24 * 60 * 60_000;

export interface BoundedTime {
  /** The time to record as when it happened. */
  at: string;
  /** Why the desk's time was not used, or null when it was. */
  note: string | null;
}

const london = (iso: string) =>
  `${new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' })} (UK time)`;

/**
 * The time to record for `event` ("finalised", "discarded") that a desk says happened at `deskTime`,
 * received by the server at `receivedAt`, for a record the server first received at `firstReceivedAt`
 * (the same instant for a record created by this push).
 */
export function boundDeskTime(event: string, deskTime: string, receivedAt: string, firstReceivedAt: string): BoundedTime {
  const t = Date.parse(deskTime);
  const received = Date.parse(receivedAt);
  const earliest = Date.parse(firstReceivedAt) - DESK_HOLD_MS;
  if (t > received + DESK_CLOCK_AHEAD_MS) {
    return { at: receivedAt, note: `The desk said this record was ${event} at ${london(deskTime)}, after the server received it at ${london(receivedAt)}: the desk's clock was ahead, so the time the server received it is recorded.` };
  }
  if (t < earliest) {
    return { at: receivedAt, note: `The desk said this record was ${event} at ${london(deskTime)}, more than ${DESK_HOLD_MS / 86_400_000} days before the server first heard of it (${london(firstReceivedAt)}): the desk's clock was wrong, so the time the server received it is recorded.` };
  }
  return { at: deskTime, note: null };
}
