import { AUDIENCE_LABELS, shownCount, shownPercentage, shownStatistic, SUPPRESSED, type Audience, type ShownCount } from './disclosure';
import { londonWallClock, type ShiftSummary } from './shift-summary';

/*
 * A shift summary as the sections of figures a person reads, in one order, with one wording, under
 * the audience's rule: what the XLSX's Summary sheet and the PDF both show (and a screen may).
 */

export interface FigureRow {
  label: string;
  count: ShownCount;
  /** Share of the section's whole, when the row is part of one. */
  share?: ShownCount;
}

export interface FigureSection {
  title: string;
  rows: FigureRow[];
  /** A line under the section: what it counts. */
  note?: string;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * 'Sun 25 Oct 2026 01:30 GMT': London time with its zone, so the repeated hour reads unambiguously.
 * Without the year ('Sun 25 Oct 01:30 GMT') for lists under a heading that gives the shift.
 */
export function formatLondon(instant: string | number, options: { year?: boolean } = {}): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  const wall = londonWallClock(Math.floor(ms / 60_000) * 60_000);
  const [y, m, d] = wall.slice(0, 10).split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7]!;
  return `${weekday} ${d} ${MONTHS[m - 1]}${options.year === false ? '' : ` ${y}`} ${wall.slice(11, 16)} ${wall.endsWith('+01:00') ? 'BST' : 'GMT'}`;
}

/** '14:32 BST' on the reference instant's London day, else 'Sun 25 Oct 14:32 BST'. */
export function formatLondonShort(instant: string, sameDayAs: string): string {
  const full = formatLondon(instant, { year: false });
  const day = full.slice(0, full.length - 10);
  return formatLondon(sameDayAs, { year: false }).startsWith(day) ? full.slice(day.length).trim() : full;
}

/** '12 h 30 min' */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** '12 min 05 s' */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '–';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s} s` : `${m} min ${String(s).padStart(2, '0')} s`;
}

/** The shift's span: 'Sat 24 Oct 2026 20:00 BST to Sun 25 Oct 2026 08:00 GMT (13 h)'. */
export function formatRange(from: string, to: string): string {
  return `${formatLondon(from)} to ${formatLondon(to)} (${formatDuration(Date.parse(to) - Date.parse(from))})`;
}

export function audienceLine(audience: Audience): string {
  return AUDIENCE_LABELS[audience];
}

/** Every section of figures, in reading order. */
export function figureSections(s: ShiftSummary, audience: Audience): FigureSection[] {
  const count = (n: number) => shownCount(n, audience);
  const part = (label: string, n: number, whole: number): FigureRow => ({ label, count: count(n), share: shownPercentage(n, whole, audience) });
  const total = s.contacts.total;
  const stat = (v: number | null) => {
    const shown = shownStatistic(v, s.handlingTime.measured, audience);
    return shown === SUPPRESSED ? SUPPRESSED : formatSeconds(shown);
  };
  const text = (t: string): ShownCount => ({ value: null, text: t });
  return [
    {
      title: 'Contacts',
      rows: [
        { label: 'Calls in the shift (not counting discarded drafts)', count: count(total) },
        { label: 'Finalised records', count: count(s.records.finalised) },
        { label: 'Still in draft', count: count(s.records.draft) },
        { label: 'Discarded drafts (not contacts)', count: count(s.records.discarded) },
      ],
    },
    { title: 'By contact route', rows: s.contacts.byContactRoute.map((r) => part(r.label, r.contacts, total)) },
    { title: 'By caller', rows: s.contacts.byCallerType.map((r) => part(r.label, r.contacts, total)) },
    { title: 'By age of the person the call was about', rows: s.contacts.byAgeBand.map((r) => part(r.label, r.contacts, total)) },
    {
      title: 'Handling time',
      rows: [
        { label: 'Calls with an end time', count: count(s.handlingTime.measured) },
        { label: 'Median', count: text(stat(s.handlingTime.medianSeconds)) },
        { label: '90th centile', count: text(stat(s.handlingTime.p90Seconds)) },
      ],
    },
    { title: 'Outcomes (MHSDS codes)', rows: s.outcomes.map((o) => part(o.code ? `${o.code} ${o.label}` : o.label, o.count, total)) },
    {
      title: 'Escalations',
      note: 'Calls with each; a call can have several.',
      rows: [
        part('Immediate danger to life', s.escalations.immediateDanger, total),
        part('999 called (emergency services)', s.escalations.emergencyServicesCalled, total),
        part('Police contacted', s.escalations.policeContacted, total),
        part('Ambulance requested', s.escalations.ambulanceRequested, total),
        part('Welfare check requested', s.escalations.welfareChecksRequested, total),
        part('Any emergency intervention', s.escalations.emergencyInterventions, total),
        part('Safeguarding referral made', s.escalations.safeguardingReferrals, total),
        part('Safeguarding concern: children', s.escalations.safeguardingConcerns.children, total),
        part('Safeguarding concern: adults', s.escalations.safeguardingConcerns.adults, total),
      ],
    },
    {
      title: 'Referrals by service type',
      note: `${count(s.referrals.total).text} referrals in all; ${count(s.referrals.notInDirectory).text} to services the directory does not list (counted, never named).`,
      rows: s.referrals.byServiceType.map((t) => part(t.label, t.count, s.referrals.total)),
    },
    {
      title: 'Callbacks asked for on the shift’s calls',
      rows: [
        { label: 'Asked for', count: count(s.callbacks.scheduled) },
        part('Made', s.callbacks.made, s.callbacks.scheduled),
        part('Made (recorded by addendum)', s.callbacks.madeByAddendum, s.callbacks.scheduled),
        part('Outstanding', s.callbacks.outstanding, s.callbacks.scheduled),
        part('Overdue', s.callbacks.overdue, s.callbacks.scheduled),
      ],
    },
    {
      title: 'Left open and sync',
      rows: [
        { label: 'Callbacks still owed by the team (handover list)', count: count(s.handover.length) },
        { label: 'Records left in draft at the end of the shift', count: count(s.draftsAtEnd.total) },
        { label: 'Desks with changes not yet on the server', count: count(s.unsyncedDesks.length) },
        { label: 'Offline periods of the team’s desks', count: count(s.offlinePeriods.length) },
        { label: 'Directory problems reported', count: count(s.directoryProblems.reported) },
      ],
    },
  ];
}

/** What a file says about records it may not have: desks that have not synced everything. */
export function completenessLine(s: ShiftSummary): string {
  const n = s.unsyncedDesks.length;
  if (n === 0) return 'Every desk of the team had sent its changes to the server when this was made.';
  const waiting = s.unsyncedDesks.reduce((a, d) => a + d.pending, 0);
  return `Incomplete: ${n} desk${n === 1 ? '' : 's'} of the team had ${waiting} change${waiting === 1 ? '' : 's'} not yet on the server; this shows what was known.`;
}
