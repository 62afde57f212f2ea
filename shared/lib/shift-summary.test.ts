import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { emptyCallRecordContent, type Addendum, type CallRecordContent, type CallStatus } from '../domain/call-record';
import type { ServiceType } from '../domain/service-types';
import { callReference } from './call-reference';
import { fillWithSecrets, identifiableStrings } from './identifiable-test-record';
import {
  londonWallClock, percentile, ShiftSummary, summariseShift, summaryRecordOf, type DeskOfflinePeriod, type DirectoryEntry, type ShiftSummaryInput, type SummaryRecord,
} from './shift-summary';

type Edit = (c: CallRecordContent) => void;

interface Made {
  owner?: string | null;
  finalisedAt?: string | null;
  discardedAt?: string | null;
  addenda?: Pick<Addendum, 'callbackMadeAt'>[];
}

function recordWith(status: CallStatus, startedAt: string, made: Made, ...edits: Edit[]): SummaryRecord {
  const content = emptyCallRecordContent(startedAt);
  for (const edit of edits) edit(content);
  const closedAt = new Date(Date.parse(startedAt) + 30 * 60_000).toISOString();
  return summaryRecordOf(
    {
      id: uuidv7({ msecs: Date.parse(startedAt) }),
      status,
      finalisedAt: made.finalisedAt !== undefined ? made.finalisedAt : status === 'finalised' ? closedAt : null,
      discardedAt: made.discardedAt !== undefined ? made.discardedAt : status === 'discarded' ? closedAt : null,
      content,
      addenda: (made.addenda ?? []).map((a, i) => ({ id: `a${i}`, recordId: 'r', createdAt: startedAt, text: 'Synthetic.', contentHash: '', callbackMadeAt: a.callbackMadeAt, author: null })),
    },
    made.owner === undefined ? 'clin-1' : made.owner,
  );
}

const record = (status: CallStatus, startedAt: string, ...edits: Edit[]) => recordWith(status, startedAt, {}, ...edits);

const ended = (iso: string): Edit => (c) => void (c.endedAt = iso);
const route = (r: CallRecordContent['contactRoute']): Edit => (c) => void (c.contactRoute = r);
const caller = (t: CallRecordContent['caller']['type']): Edit => (c) => void (c.caller.type = t);
const outcome = (code: CallRecordContent['outcome']['code']): Edit => (c) => void (c.outcome.code = code);
const referral = (serviceId: string, serviceType: ServiceType, serviceName = 'as typed on the desk'): Edit => (c) =>
  void c.referrals.push({ id: `${c.referrals.length}`, serviceId, serviceName, serviceType, serviceAgeMin: null, serviceAgeMax: null, method: 'referred', at: c.startedAt, notes: '' });
const callback = (dueAt: string, completedAt: string | null = null): Edit => (c) => void (c.callback = { required: true, dueAt, phone: '', reason: '', completedAt });

const DIRECTORY = new Map<string, DirectoryEntry>([
  ['svc-cafe', { name: 'Riverside Crisis Café', type: 'crisis_cafe' }],
  ['svc-crht', { name: 'North CRHT', type: 'crisis_resolution_home_treatment' }],
]);

const PEOPLE = new Map([['clin-1', 'Alex Synthetic'], ['clin-2', 'Sam Synthetic']]);

function summarise(records: SummaryRecord[], from: string, to: string, now = '2026-05-12T08:00:00.000Z', extra: Partial<ShiftSummaryInput> = {}) {
  const summary = summariseShift({
    teamId: 'team-a1', from: new Date(from), to: new Date(to), now: new Date(now), records, desks: [], offlinePeriods: [], directoryProblems: [],
    directory: (id) => DIRECTORY.get(id), people: (id) => PEOPLE.get(id), ...extra,
  });
  ShiftSummary.parse(summary);
  return summary;
}

describe('summariseShift', () => {
  // A night shift, 20:00–08:00 BST on 11–12 May 2026 (19:00Z–07:00Z).
  const FROM = '2026-05-11T19:00:00.000Z';
  const TO = '2026-05-12T07:00:00.000Z';
  const shift = [
    record('finalised', '2026-05-11T19:05:00.000Z', ended('2026-05-11T19:15:00.000Z'), route('nhs111_option2'), caller('self'), outcome('02')),
    record('finalised', '2026-05-11T19:40:00.000Z', ended('2026-05-11T20:00:00.000Z'), route('nhs111_option2'), caller('family_carer'), outcome('05'),
      referral('svc-crht', 'crisis_resolution_home_treatment'), referral('svc-cafe', 'crisis_cafe'), callback('2026-05-12T09:00:00.000Z')),
    record('finalised', '2026-05-11T23:59:59.000Z', ended('2026-05-12T00:29:59.000Z'), route('direct_line'), caller('self'), outcome('06'), (c) => {
      c.risk.immediateDanger = true;
      c.interventions.items = ['emergency_services_called', 'welfare_check_requested'];
      c.risk.safeguarding = { ...c.risk.safeguarding, status: 'present', childrenConcern: true, referralMade: true };
    }),
    record('draft', '2026-05-12T02:30:00.000Z', ended('2026-05-12T02:35:00.000Z'), route('text'), outcome('03'), referral('svc-cafe', 'crisis_cafe'),
      referral('svc-gone', 'safe_haven'), callback('2026-05-12T06:00:00.000Z'), (c) => void (c.risk.safeguarding.adultConcern = true)),
    record('finalised', '2026-05-12T06:59:59.999Z', route('professional_line'), caller('professional'), outcome('04'), callback('2026-05-12T07:30:00.000Z', '2026-05-12T07:45:00.000Z'),
      (c) => void c.interventions.items.push('welfare_check_requested')),
    // Discarded: counted as discarded, nowhere else.
    record('discarded', '2026-05-11T20:10:00.000Z', ended('2026-05-11T20:11:00.000Z'), outcome('01'), referral('svc-cafe', 'crisis_cafe')),
    // Outside the shift: before it, at its exclusive end, the next day.
    record('finalised', '2026-05-11T18:59:59.999Z', outcome('02')),
    record('finalised', TO, outcome('02')),
    record('draft', '2026-05-13T01:00:00.000Z'),
  ];

  it('gives exact figures for a hand-built shift', () => {
    const s = summarise(shift, FROM, TO);
    expect(s.contacts.total).toBe(5);
    expect(s.contacts.byHour).toHaveLength(12);
    expect(s.contacts.byHour.filter((h) => h.contacts > 0).map((h) => [h.londonStart, h.contacts])).toEqual([
      ['2026-05-11T20:00+01:00', 2],
      ['2026-05-12T00:00+01:00', 1],
      ['2026-05-12T03:00+01:00', 1],
      ['2026-05-12T07:00+01:00', 1],
    ]);
    expect(s.contacts.byHour[0]).toEqual({ start: FROM, londonStart: '2026-05-11T20:00+01:00', contacts: 2 });
    expect(Object.fromEntries(s.contacts.byContactRoute.map((r) => [r.route, r.contacts]))).toEqual({
      nhs111_option2: 2, direct_line: 1, professional_line: 1, text: 1, callback: 0, other: 0,
    });
    expect(Object.fromEntries(s.contacts.byCallerType.map((r) => [String(r.callerType), r.contacts]))).toEqual({
      self: 2, family_carer: 1, friend: 0, professional: 1, other: 0, null: 1,
    });
    // Durations 600, 1200, 1800, 300 seconds (the last call has no end): sorted 300, 600, 1200, 1800.
    expect(s.handlingTime).toEqual({ measured: 4, medianSeconds: 900, p90Seconds: 1620 });
    expect(Object.fromEntries(s.outcomes.map((o) => [String(o.code), o.count]))).toEqual({ '01': 0, '02': 1, '03': 1, '04': 1, '05': 1, '06': 1, '98': 0, null: 0 });
    expect(s.referrals.total).toBe(4);
    expect(Object.fromEntries(s.referrals.byServiceType.filter((t) => t.count > 0).map((t) => [t.serviceType, t.count]))).toEqual({
      crisis_cafe: 2, safe_haven: 1, crisis_resolution_home_treatment: 1,
    });
    expect(s.referrals.byService).toEqual([
      { serviceId: 'svc-cafe', serviceName: 'Riverside Crisis Café', serviceType: 'crisis_cafe', count: 2 },
      { serviceId: 'svc-crht', serviceName: 'North CRHT', serviceType: 'crisis_resolution_home_treatment', count: 1 },
    ]);
    expect(s.referrals.notInDirectory).toBe(1);
    expect(s.escalations).toEqual({
      immediateDanger: 1, emergencyInterventions: 2, emergencyServicesCalled: 1, policeContacted: 0, ambulanceRequested: 0, welfareChecksRequested: 2, safeguardingReferrals: 1,
      safeguardingConcerns: { children: 1, adults: 1 },
    });
    // Now 08:00Z: the 06:00Z callback is overdue, the 09:00Z one outstanding but not yet due, one made.
    expect(s.callbacks).toEqual({ scheduled: 3, made: 1, madeByAddendum: 0, outstanding: 2, overdue: 1 });
    expect(s.handover.map((h) => [h.dueAt, h.overdue, h.carriedOver, h.owner?.name])).toEqual([
      ['2026-05-12T06:00:00.000Z', true, false, 'Alex Synthetic'],
      ['2026-05-12T09:00:00.000Z', false, false, 'Alex Synthetic'],
    ]);
    expect(s.contacts.byAgeBand.map((b) => [b.band, b.contacts])).toEqual([['under_18', 0], ['18_and_over', 0], ['not_recorded', 5]]);
    expect(s.records).toEqual({ draft: 1, finalised: 4, discarded: 1 });
  });

  it('judges overdue callbacks against the given clock', () => {
    expect(summarise(shift, FROM, TO, '2026-05-12T05:59:59.999Z').callbacks.overdue).toBe(0);
    expect(summarise(shift, FROM, TO, '2026-05-12T09:00:00.001Z').callbacks.overdue).toBe(2);
  });

  it('counts hours in London time when the clocks go forward (23-hour night)', () => {
    // 29 March 2026: 01:00 GMT becomes 02:00 BST; London's 01:00–01:59 never happens.
    const records = [
      record('finalised', '2026-03-29T00:30:00.000Z'), // 00:30 GMT
      record('finalised', '2026-03-29T00:59:59.000Z'), // 00:59 GMT
      record('finalised', '2026-03-29T01:00:00.000Z'), // 02:00 BST
      record('finalised', '2026-03-29T01:30:00.000Z'), // 02:30 BST
      record('finalised', '2026-03-29T02:10:00.000Z'), // 03:10 BST
    ];
    const s = summarise(records, '2026-03-28T23:00:00.000Z', '2026-03-29T03:00:00.000Z');
    expect(s.contacts.byHour.map((h) => [h.londonStart, h.contacts])).toEqual([
      ['2026-03-28T23:00+00:00', 0],
      ['2026-03-29T00:00+00:00', 2],
      ['2026-03-29T02:00+01:00', 2],
      ['2026-03-29T03:00+01:00', 1],
    ]);
  });

  it('counts hours in London time when the clocks go back (01:00 twice)', () => {
    // 25 October 2026: 02:00 BST becomes 01:00 GMT; London's 01:00–01:59 happens twice.
    const records = [
      record('finalised', '2026-10-24T23:59:00.000Z'), // 00:59 BST
      record('finalised', '2026-10-25T00:15:00.000Z'), // 01:15 BST
      record('finalised', '2026-10-25T01:15:00.000Z'), // 01:15 GMT
      record('finalised', '2026-10-25T01:45:00.000Z'), // 01:45 GMT
      record('finalised', '2026-10-25T02:00:00.000Z'), // 02:00 GMT
    ];
    const s = summarise(records, '2026-10-24T23:00:00.000Z', '2026-10-25T03:00:00.000Z');
    expect(s.contacts.byHour.map((h) => [h.londonStart, h.contacts])).toEqual([
      ['2026-10-25T00:00+01:00', 1],
      ['2026-10-25T01:00+01:00', 1],
      ['2026-10-25T01:00+00:00', 2],
      ['2026-10-25T02:00+00:00', 1],
    ]);
  });

  it('starts the first hour on the hour when the range does not', () => {
    const s = summarise([record('finalised', '2026-05-11T19:50:00.000Z')], '2026-05-11T19:45:00.000Z', '2026-05-11T21:15:00.000Z');
    expect(s.contacts.byHour.map((h) => [h.start, h.contacts])).toEqual([
      ['2026-05-11T19:00:00.000Z', 1], ['2026-05-11T20:00:00.000Z', 0], ['2026-05-11T21:00:00.000Z', 0],
    ]);
  });

  it('reports no handling time rather than zero when no call has ended', () => {
    expect(summarise([record('draft', '2026-05-11T19:50:00.000Z')], FROM, TO).handlingTime).toEqual({ measured: 0, medianSeconds: null, p90Seconds: null });
  });

  it('lists only desks with changes waiting, oldest contact first, with whose they are', () => {
    const s = summarise([], FROM, TO, TO, {
      desks: [
        { clientId: '0190a000-0000-7000-8000-0000000000c2', userId: 'clin-2', lastSeenAt: '2026-05-12T06:00:00.000Z', pending: 4 },
        { clientId: '0190a000-0000-7000-8000-0000000000c1', userId: 'clin-1', lastSeenAt: '2026-05-12T07:00:00.000Z', pending: 0 },
        { clientId: '0190a000-0000-7000-8000-0000000000c3', userId: 'gone', lastSeenAt: '2026-05-11T22:00:00.000Z', pending: 1 },
      ],
    });
    expect(s.unsyncedDesks.map((d) => [d.clientId.slice(-2), d.pending, d.user?.name])).toEqual([['c3', 1, 'gone'], ['c2', 4, 'Sam Synthetic']]);
  });

  it('never carries anything typed about the caller, even in a record full of it', () => {
    const secrets = identifiableStrings();
    const full = record('finalised', '2026-05-11T20:00:00.000Z', ended('2026-05-11T20:20:00.000Z'), caller('self'), outcome('05'), callback('2026-05-12T01:00:00.000Z'), (c) => fillWithSecrets(c, secrets));
    const text = JSON.stringify(summarise([full], FROM, TO));
    for (const secret of secrets.all) expect(text).not.toContain(secret);
    expect(JSON.parse(text).contacts.byAgeBand[1].contacts).toBe(1);
    // The referral to an unlisted "service" whose id is itself identifying is counted, never named.
    expect(JSON.parse(text).referrals.notInDirectory).toBe(2);
  });
});

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(3); // 2.5 rounds to 3
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(91);
  });
});

describe('londonWallClock', () => {
  it('shows London time with its offset', () => {
    expect(londonWallClock(Date.parse('2026-01-15T09:30:00Z'))).toBe('2026-01-15T09:30+00:00');
    expect(londonWallClock(Date.parse('2026-07-15T09:30:00Z'))).toBe('2026-07-15T10:30+01:00');
  });
});

describe('summariseShift: escalations, ages, handover and what is left open', () => {
  const FROM = '2026-10-24T19:00:00.000Z'; // 20:00 BST
  const TO = '2026-10-25T08:00:00.000Z'; // 08:00 GMT: 13 hours, the clocks went back
  const NOW = '2026-10-25T08:10:00.000Z';

  it('tells police from ambulance from 999, and counts each call once however many it had', () => {
    const s = summarise([
      record('finalised', '2026-10-24T20:00:00.000Z', (c) => void (c.interventions.items = ['police_contacted', 'ambulance_requested'])),
      record('finalised', '2026-10-24T21:00:00.000Z', (c) => void (c.interventions.items = ['ambulance_requested', 'emergency_services_called'])),
      record('draft', '2026-10-24T22:00:00.000Z', (c) => void (c.interventions.items = ['listening_support'])),
    ], FROM, TO, NOW);
    expect(s.escalations).toMatchObject({ emergencyInterventions: 2, emergencyServicesCalled: 1, policeContacted: 1, ambulanceRequested: 2, welfareChecksRequested: 0 });
  });

  it('bands ages on the London date of the call, from a date of birth before a stated age', () => {
    const age = (dob: string | null, years: number | null, startedAt = '2026-10-24T23:30:00.000Z'): Edit => (c) => {
      c.startedAt = startedAt;
      c.caller.dateOfBirth = dob;
      c.caller.ageYears = years;
    };
    const s = summarise([
      // 00:30 BST on 25 October: the 18th birthday in London although it is still the 24th in UTC.
      record('finalised', '2026-10-24T23:30:00.000Z', age('2008-10-25', null)),
      record('finalised', '2026-10-24T22:30:00.000Z', age('2008-10-25', null, '2026-10-24T22:30:00.000Z')), // 23:30 BST on the 24th: 17
      record('finalised', '2026-10-24T20:00:00.000Z', age('2011-01-01', 40)), // the date of birth wins: 15
      record('finalised', '2026-10-24T20:00:00.000Z', age(null, 17)),
      record('finalised', '2026-10-24T20:00:00.000Z', age(null, 18)),
      record('finalised', '2026-10-24T20:00:00.000Z', age(null, null)),
      record('discarded', '2026-10-24T20:00:00.000Z', age(null, 10)),
    ], FROM, TO, NOW);
    expect(s.contacts.byAgeBand.map((b) => [b.band, b.contacts])).toEqual([['under_18', 3], ['18_and_over', 2], ['not_recorded', 1]]);
  });

  it('counts a callback made by addendum as made, and hands over every callback still owed, earlier shifts’ included', () => {
    const cb = (dueAt: string | null, completedAt: string | null = null): Edit => (c) => void (c.callback = { required: true, dueAt, phone: '', reason: '', completedAt });
    const byAddendum = recordWith('finalised', '2026-10-24T20:10:00.000Z', { addenda: [{ callbackMadeAt: null }, { callbackMadeAt: '2026-10-25T01:30:00.000Z' }] }, cb('2026-10-25T01:00:00.000Z'));
    const madeLate = recordWith('finalised', '2026-10-24T20:20:00.000Z', { addenda: [{ callbackMadeAt: '2026-10-25T09:00:00.000Z' }] }, cb('2026-10-25T07:00:00.000Z'));
    const inRecord = record('finalised', '2026-10-24T20:30:00.000Z', cb('2026-10-24T23:00:00.000Z', '2026-10-24T22:50:00.000Z'));
    const noTime = recordWith('draft', '2026-10-25T03:00:00.000Z', { owner: null }, cb(null));
    const yesterday = recordWith('finalised', '2026-10-23T15:00:00.000Z', { owner: 'clin-2' }, cb('2026-10-25T12:00:00.000Z'));
    const discarded = record('discarded', '2026-10-24T20:40:00.000Z', cb('2026-10-25T02:00:00.000Z'));
    const afterRange = record('finalised', TO, cb('2026-10-25T09:00:00.000Z'));
    const s = summarise([byAddendum, madeLate, inRecord, noTime, yesterday, discarded, afterRange], FROM, TO, NOW);
    expect(s.callbacks).toEqual({ scheduled: 4, made: 3, madeByAddendum: 2, outstanding: 1, overdue: 0 });
    expect(s.handover).toEqual([
      { reference: callReference(noTime.id), recordId: noTime.id, startedAt: '2026-10-25T03:00:00.000Z', dueAt: null, overdue: false, carriedOver: false, owner: null },
      { reference: callReference(yesterday.id), recordId: yesterday.id, startedAt: '2026-10-23T15:00:00.000Z', dueAt: '2026-10-25T12:00:00.000Z', overdue: false, carriedOver: true, owner: { id: 'clin-2', name: 'Sam Synthetic' } },
    ]);
    expect(s.handover[0]!.reference).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
  });

  it('lists records left in draft at the end of the range by owner, whenever they were started, and how many are drafts still', () => {
    const s = summarise([
      record('draft', '2026-10-24T21:00:00.000Z'),
      recordWith('draft', '2026-10-20T09:00:00.000Z', { owner: 'clin-2' }),
      recordWith('finalised', '2026-10-25T07:30:00.000Z', { owner: 'clin-2', finalisedAt: '2026-10-25T08:05:00.000Z' }), // finalised after the end
      recordWith('finalised', '2026-10-25T07:00:00.000Z', { finalisedAt: '2026-10-25T07:20:00.000Z' }), // before: not left open
      recordWith('discarded', '2026-10-24T22:00:00.000Z', { discardedAt: '2026-10-25T09:00:00.000Z' }), // discarded after the end: was open at it
      record('draft', TO), // after the range
    ], FROM, TO, NOW);
    expect(s.draftsAtEnd).toEqual({
      total: 4,
      byOwner: [
        { owner: { id: 'clin-1', name: 'Alex Synthetic' }, count: 2, stillDraft: 1, oldestStartedAt: '2026-10-24T21:00:00.000Z' },
        { owner: { id: 'clin-2', name: 'Sam Synthetic' }, count: 2, stillDraft: 1, oldestStartedAt: '2026-10-20T09:00:00.000Z' },
      ],
    });
    // While the shift runs, "the end" is now: a record finalised since does not count.
    expect(summarise([recordWith('finalised', '2026-10-24T21:00:00.000Z', { finalisedAt: '2026-10-24T21:30:00.000Z' })], FROM, TO, '2026-10-24T22:00:00.000Z').draftsAtEnd.total).toBe(0);
  });

  it('clips offline periods to the range, merges a desk’s overlapping ones and marks those still going', () => {
    const desk = (n: number) => `0190a000-0000-7000-8000-00000000000${n}`;
    const periods: DeskOfflinePeriod[] = [
      { clientId: desk(1), userId: 'clin-1', from: '2026-10-24T18:00:00.000Z', to: '2026-10-24T19:30:00.000Z' },
      { clientId: desk(1), userId: 'clin-1', from: '2026-10-24T19:20:00.000Z', to: '2026-10-24T20:00:00.000Z' },
      { clientId: desk(1), userId: 'clin-1', from: '2026-10-25T01:10:00.000Z', to: '2026-10-25T01:40:00.000Z' },
      { clientId: desk(2), userId: 'clin-2', from: '2026-10-25T06:00:00.000Z', to: null },
      { clientId: desk(3), userId: null, from: '2026-10-24T10:00:00.000Z', to: '2026-10-24T11:00:00.000Z' }, // before the range
    ];
    const s = summarise([], FROM, TO, NOW, { offlinePeriods: periods });
    expect(s.offlinePeriods).toEqual([
      { clientId: desk(1), user: { id: 'clin-1', name: 'Alex Synthetic' }, from: FROM, to: '2026-10-24T20:00:00.000Z', ongoing: false },
      { clientId: desk(1), user: { id: 'clin-1', name: 'Alex Synthetic' }, from: '2026-10-25T01:10:00.000Z', to: '2026-10-25T01:40:00.000Z', ongoing: false },
      { clientId: desk(2), user: { id: 'clin-2', name: 'Sam Synthetic' }, from: '2026-10-25T06:00:00.000Z', to: TO, ongoing: true },
    ]);
  });

  it('counts the directory problems reported in the range by kind (none until clinicians can report them)', () => {
    expect(summarise([], FROM, TO, NOW).directoryProblems).toEqual({ reported: 0, byKind: [] });
    const s = summarise([], FROM, TO, NOW, {
      directoryProblems: [
        { serviceId: 'svc-cafe', kind: 'number_not_answering', reportedAt: '2026-10-24T21:00:00.000Z' },
        { serviceId: 'svc-crht', kind: 'hours_wrong', reportedAt: '2026-10-25T01:30:00.000Z' },
        { serviceId: 'svc-crht', kind: 'number_not_answering', reportedAt: '2026-10-25T02:30:00.000Z' },
        { serviceId: 'svc-crht', kind: 'closed', reportedAt: TO },
      ],
    });
    expect(s.directoryProblems).toEqual({ reported: 3, byKind: [{ kind: 'number_not_answering', count: 2 }, { kind: 'hours_wrong', count: 1 }] });
  });

  it('has 13 hourly rows on the October night, the repeated 01:00 twice', () => {
    const s = summarise([record('finalised', '2026-10-25T00:30:00.000Z'), record('finalised', '2026-10-25T01:30:00.000Z')], FROM, TO, NOW);
    expect(s.contacts.byHour).toHaveLength(13);
    expect(s.contacts.byHour.filter((h) => h.londonStart.includes('T01:00')).map((h) => [h.londonStart, h.contacts])).toEqual([
      ['2026-10-25T01:00+01:00', 1], ['2026-10-25T01:00+00:00', 1],
    ]);
  });
});
