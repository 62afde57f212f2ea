/*
 * The reference a handover list gives a call: short enough to say on the phone or write on a
 * whiteboard, and nothing about the caller. It is the last eight hex digits of the record's id (a
 * UUIDv7 made on the desk, whose last 62 bits are random), so it says nothing about when the call
 * was either; a team's references collide only once in tens of thousands of open items, and the
 * handover list shows the due time and owner beside it.
 */

const REFERENCE = /^[0-9A-F]{4}-[0-9A-F]{4}$/;

/** 'C3F0-91A2' for a record id ending …c3f091a2. */
export function callReference(recordId: string): string {
  const hex = recordId.replace(/-/g, '').slice(-8).toUpperCase();
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** Whether a record's id has this reference (as typed: any case, with or without the dash). */
export function matchesCallReference(recordId: string, typed: string): boolean {
  const normal = typed.trim().toUpperCase().replace(/\s+/g, '');
  const withDash = normal.length === 8 ? `${normal.slice(0, 4)}-${normal.slice(4)}` : normal;
  return REFERENCE.test(withDash) && callReference(recordId) === withDash;
}
