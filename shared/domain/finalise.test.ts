import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallRecordContent, DraftContent, emptyCallRecordContent, MAX_REFERRALS, TEXT_LIMITS, TYPED_FIELDS } from './call-record';
import { callerAgeYears, finalisableContent, finaliseIssues, TYPED_FIELD_MESSAGES } from './finalise';
import { nhsNumberProblem } from '../lib/nhs-number';

type Content = CallRecordContent;
type Referral = Content['referrals'][number];

const STARTED = '2026-06-10T14:00:00+01:00';
/** When these records are finalised: during the call. */
const NOW = new Date('2026-06-10T14:30:00+01:00');

/** A record that may be finalised: every required field filled in, advice on the call only. */
function complete(startedAt = STARTED): Content {
  const c = emptyCallRecordContent(startedAt);
  c.endedAt = '2026-06-10T14:25:00+01:00';
  c.caller = { ...c.caller, type: 'self', name: 'Alex Example', phone: '07700 900123', postcode: 'SE5 8AZ' };
  c.presentingNeed = { categories: ['low_mood'], summary: 'Low mood since losing job; wanted to talk.' };
  for (const area of ['toSelf', 'toOthers', 'fromOthers'] as const) c.risk[area].status = 'none_identified';
  c.risk.safeguarding.status = 'none_identified';
  c.risk.formulation = 'No current risk identified; protective factors: partner, plans for the weekend.';
  c.interventions.items = ['listening_support'];
  c.outcome.code = '02';
  c.consent.informationSharing = 'given';
  return CallRecordContent.parse(c);
}

function referral(overrides: Partial<Referral> = {}): Referral {
  return {
    id: 'ref-1', serviceId: 'svc-1', serviceName: 'Southwark Crisis Café', serviceType: 'crisis_cafe',
    serviceAgeMin: null, serviceAgeMax: null, method: 'referred', at: '2026-06-10T14:20:00+01:00', notes: '', ...overrides,
  };
}

function with_(edit: (c: Content) => void, base = complete()): Content {
  const c = structuredClone(base);
  edit(c);
  return CallRecordContent.parse(c); // every case here is a draft the schema accepts
}

const fields = (c: Content) => finaliseIssues(c, NOW).map((i) => i.field);

describe('finaliseIssues', () => {
  it('an empty record has an issue for each required field, and only those', () => {
    expect(new Set(fields(emptyCallRecordContent(STARTED)))).toEqual(new Set([
      'caller.type', 'caller.name', 'presentingNeed.summary',
      'risk.toSelf.status', 'risk.toOthers.status', 'risk.fromOthers.status', 'risk.safeguarding.status', 'risk.formulation',
      'consent.informationSharing', 'outcome.code',
    ]));
    for (const issue of finaliseIssues(emptyCallRecordContent(STARTED), NOW)) expect(issue.message.length, issue.field).toBeGreaterThan(10);
  });

  it('a complete record has none', () => {
    expect(finaliseIssues(complete(), NOW)).toEqual([]);
  });

  it('each required text must be more than white space', () => {
    expect(fields(with_((c) => { c.caller.name = '   '; }))).toEqual(['caller.name']);
    expect(fields(with_((c) => { c.presentingNeed.summary = '\n\t'; }))).toEqual(['presentingNeed.summary']);
    expect(fields(with_((c) => { c.risk.formulation = ' '; }))).toEqual(['risk.formulation']);
  });

  describe('caller', () => {
    it('an anonymous caller needs no name', () => {
      expect(fields(with_((c) => { c.caller.name = ''; }))).toEqual(['caller.name']);
      expect(fields(with_((c) => { c.caller.name = ''; c.caller.anonymous = true; }))).toEqual([]);
    });

    it('an NHS number, when given, must pass the check digit', () => {
      expect(fields(with_((c) => { c.caller.nhsNumber = '943 476 5919'; }))).toEqual([]);
      expect(fields(with_((c) => { c.caller.nhsNumber = '943 476 5910'; }))).toEqual(['caller.nhsNumber']);
      expect(fields(with_((c) => { c.caller.nhsNumber = '943 476 591'; }))).toEqual(['caller.nhsNumber']);
      expect(fields(with_((c) => { c.caller.nhsNumber = '  '; }))).toEqual([]);
    });
  });

  describe('risk', () => {
    it('a risk marked present must say what it is', () => {
      expect(fields(with_((c) => { c.risk.toSelf.status = 'present'; }))).toEqual(['risk.toSelf.indicators']);
      expect(fields(with_((c) => { c.risk.toSelf.status = 'present'; c.risk.toSelf.indicators = ['suicidal_ideation']; }))).toEqual([]);
      expect(fields(with_((c) => { c.risk.toOthers.status = 'present'; c.risk.toOthers.notes = 'Threatened neighbour'; }))).toEqual([]);
      expect(fields(with_((c) => { c.risk.fromOthers.status = 'present'; }))).toEqual(['risk.fromOthers.indicators']);
    });

    it('a ticked safeguarding concern needs safeguarding risk marked present, and no referral needs a reason', () => {
      expect(fields(with_((c) => { c.risk.safeguarding.childrenConcern = true; }))).toEqual(['risk.safeguarding.status']);
      expect(fields(with_((c) => { c.risk.safeguarding.adultConcern = true; c.risk.safeguarding.status = 'present'; }))).toEqual(['risk.safeguarding.notes']);
      expect(fields(with_((c) => { c.risk.safeguarding.adultConcern = true; c.risk.safeguarding.status = 'present'; c.risk.safeguarding.referralMade = true; }))).toEqual([]);
      expect(fields(with_((c) => { c.risk.safeguarding.status = 'present'; c.risk.safeguarding.notes = 'Discussed with duty senior; already known to social care.'; }))).toEqual([]);
    });

    it('immediate danger needs an emergency intervention and outcome 06', () => {
      const danger = with_((c) => { c.risk.immediateDanger = true; });
      expect(fields(danger).sort()).toEqual(['interventions.items', 'outcome.code']);
      expect(fields(with_((c) => { c.interventions.items.push('emergency_services_called'); }, danger))).toEqual(['outcome.code']);
      expect(fields(with_((c) => { c.outcome.code = '06'; }, danger))).toEqual(['interventions.items', 'interventions.items']);
      expect(fields(with_((c) => { c.outcome.code = '06'; c.interventions.items.push('emergency_services_called'); }, danger))).toEqual([]);
      expect(fields(with_((c) => { c.outcome.code = '06'; c.interventions.items.push('welfare_check_requested'); }, danger))).toEqual([]);
      // Other interventions are not an emergency response.
      expect(fields(with_((c) => { c.outcome.code = '06'; c.interventions.items.push('senior_consulted', 'safety_plan_created'); }, danger))).toContain('interventions.items');
    });

    it('outcome 06 on its own needs the emergency service recorded', () => {
      expect(fields(with_((c) => { c.outcome.code = '06'; }))).toEqual(['interventions.items']);
      expect(fields(with_((c) => { c.outcome.code = '06'; c.interventions.items.push('welfare_check_requested'); }))).toEqual([]);
    });
  });

  describe('outcome and referrals', () => {
    it('needs an outcome', () => {
      expect(fields(with_((c) => { c.outcome.code = null; }))).toEqual(['outcome.code']);
    });

    it('outcomes 03, 04 and 05 need a linked service', () => {
      for (const code of ['03', '04', '05'] as const) {
        expect(fields(with_((c) => { c.outcome.code = code; })), code).toContain('referrals');
      }
      for (const code of ['01', '02', '98'] as const) expect(fields(with_((c) => { c.outcome.code = code; })), code).toEqual([]);
    });

    it('outcome 03 is satisfied by signposting; 04 and 05 need a referral that is not only signposting', () => {
      const signposted = referral({ method: 'signposted' });
      expect(fields(with_((c) => { c.outcome.code = '03'; c.referrals = [signposted]; }))).toEqual([]);
      for (const code of ['04', '05'] as const) {
        expect(fields(with_((c) => { c.outcome.code = code; c.referrals = [signposted]; })), code).toEqual(['referrals']);
        expect(fields(with_((c) => { c.outcome.code = code; c.referrals = [signposted, referral({ id: 'ref-2', method: 'referred' })]; })), code).toEqual([]);
        expect(fields(with_((c) => { c.outcome.code = code; c.referrals = [referral({ method: 'warm_transfer' })]; })), code).toEqual([]);
      }
      // With no referral at all, 04 reports both rules.
      expect(fields(with_((c) => { c.outcome.code = '04'; }))).toEqual(['referrals', 'referrals']);
    });
  });

  describe('a child routed to an adult-only service (hazard: child to adult service)', () => {
    const adultTeam = referral({ serviceName: 'Adult Crisis Resolution Team', serviceType: 'crisis_resolution_home_treatment', serviceAgeMin: 18 });
    const cypTeam = referral({ id: 'ref-2', serviceName: 'Young People’s Crisis Team', serviceType: 'cyp_crisis', serviceAgeMin: null, serviceAgeMax: 17 });

    it('refuses a 15-year-old (by date of birth on the call date) referred to a service for 18 and over', () => {
      const child = with_((c) => { c.caller.dateOfBirth = '2011-01-01'; c.outcome.code = '04'; c.referrals = [adultTeam]; });
      expect(callerAgeYears(child)).toBe(15);
      const issues = finaliseIssues(child, NOW);
      expect(issues).toEqual([{ field: 'referrals', message: expect.stringContaining('Adult Crisis Resolution Team does not take people aged 15') }]);
      // the same child referred to the young people's team instead may be finalised
      expect(fields(with_((c) => { c.referrals = [cypTeam]; }, child))).toEqual([]);
    });

    it('also refuses by stated age, and an adult referred to a young people’s service', () => {
      expect(fields(with_((c) => { c.caller.ageYears = 16; c.outcome.code = '03'; c.referrals = [adultTeam]; }))).toEqual(['referrals']);
      expect(fields(with_((c) => { c.caller.ageYears = 34; c.outcome.code = '03'; c.referrals = [cypTeam]; }))).toEqual(['referrals']);
      expect(fields(with_((c) => { c.caller.ageYears = 18; c.outcome.code = '03'; c.referrals = [adultTeam]; }))).toEqual([]);
      expect(fields(with_((c) => { c.caller.ageYears = 17; c.outcome.code = '03'; c.referrals = [cypTeam]; }))).toEqual([]);
    });

    it('names every service that does not fit', () => {
      const issues = finaliseIssues(with_((c) => { c.caller.ageYears = 12; c.outcome.code = '03'; c.referrals = [adultTeam, referral({ id: 'ref-3', serviceName: 'Adult Sanctuary', serviceAgeMin: 18 })]; }), NOW);
      expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('Adult Crisis Resolution Team'), expect.stringContaining('Adult Sanctuary')]);
    });

    it('a date of birth outranks a stated age', () => {
      expect(callerAgeYears(with_((c) => { c.caller.dateOfBirth = '2011-01-01'; c.caller.ageYears = 40; }))).toBe(15);
      expect(callerAgeYears(with_((c) => { c.caller.ageYears = 40; }))).toBe(40);
      expect(callerAgeYears(complete())).toBeNull();
    });

    it('turns 18 on the birthday itself, judged on the London date of the call', () => {
      const on = (startedAt: string, dateOfBirth: string) => callerAgeYears(with_((c) => { c.caller.dateOfBirth = dateOfBirth; }, complete(startedAt)));
      expect(on('2026-06-10T23:59:00+01:00', '2008-06-11')).toBe(17);
      expect(on('2026-06-11T00:00:00+01:00', '2008-06-11')).toBe(18);
      // 00:30 BST on the birthday is still the day before in UTC: the age is the London one.
      expect(on('2026-06-10T23:30:00Z', '2008-06-11')).toBe(18);
      expect(on('2026-12-11T00:30:00Z', '2008-12-11')).toBe(18);
      // Born on 29 February: 18 on 1 March in a year without one.
      expect(on('2026-02-28T12:00:00Z', '2008-02-29')).toBe(17);
      expect(on('2026-03-01T12:00:00Z', '2008-02-29')).toBe(18);
      expect(on('2028-02-29T12:00:00Z', '2012-02-29')).toBe(16);
    });

    it('a 17-year-old on the last evening before their birthday is still refused by an adult-only service', () => {
      const c = with_((x) => { x.caller.dateOfBirth = '2008-06-11'; x.outcome.code = '04'; x.referrals = [adultTeam]; }, complete('2026-06-10T22:30:00+01:00'));
      expect(fields(c)).toEqual(['referrals']);
    });
  });

  describe('a disconnected call (outcome 01)', () => {
    it('does not need the risk assessment, formulation or consent', () => {
      const cut = with_((c) => {
        for (const area of ['toSelf', 'toOthers', 'fromOthers'] as const) c.risk[area].status = 'not_assessed';
        c.risk.safeguarding.status = 'not_assessed';
        c.risk.formulation = '';
        c.consent.informationSharing = 'not_asked';
        c.outcome.code = '01';
      });
      expect(fields(cut)).toEqual([]);
      // the same record with any other outcome is incomplete
      expect(fields(with_((c) => { c.outcome.code = '02'; }, cut)).sort()).toEqual([
        'consent.informationSharing', 'risk.formulation', 'risk.fromOthers.status', 'risk.safeguarding.status', 'risk.toOthers.status', 'risk.toSelf.status',
      ]);
    });

    it('still needs who called and why, and whatever risk it did record to be complete', () => {
      const empty = emptyCallRecordContent(STARTED);
      empty.outcome.code = '01';
      expect(new Set(fields(empty))).toEqual(new Set(['caller.type', 'caller.name', 'presentingNeed.summary']));
      expect(fields(with_((c) => { c.outcome.code = '01'; c.risk.toSelf.status = 'present'; }))).toEqual(['risk.toSelf.indicators']);
      expect(fields(with_((c) => { c.outcome.code = '01'; c.risk.immediateDanger = true; })).sort()).toEqual(['interventions.items', 'outcome.code']);
    });
  });

  describe('consent', () => {
    it('declined consent with a referral needs a note of the reason for sharing', () => {
      const declined = with_((c) => { c.consent.informationSharing = 'declined'; c.outcome.code = '05'; c.referrals = [referral()]; });
      expect(fields(declined)).toEqual(['consent.notes']);
      expect(fields(with_((c) => { c.consent.notes = 'Risk to life: shared under duty of care, discussed with senior.'; }, declined))).toEqual([]);
      // signposting shares nothing, so needs no reason
      expect(fields(with_((c) => { c.outcome.code = '03'; c.referrals = [referral({ method: 'signposted' })]; }, declined))).toEqual([]);
      expect(fields(with_((c) => { c.consent.informationSharing = 'given'; }, declined))).toEqual([]);
    });
  });

  describe('callback', () => {
    it('a required callback needs a due time and a number', () => {
      const base = with_((c) => { c.caller.phone = ''; });
      expect(fields(with_((c) => { c.callback.required = true; }, base)).sort()).toEqual(['callback.dueAt', 'callback.phone']);
      expect(fields(with_((c) => { c.callback.required = true; c.callback.dueAt = '2026-06-10T18:00:00+01:00'; }, base))).toEqual(['callback.phone']);
      expect(fields(with_((c) => { c.callback.required = true; c.callback.dueAt = '2026-06-10T18:00:00+01:00'; c.callback.phone = '07700 900456'; }, base))).toEqual([]);
      // the caller's own number will do
      expect(fields(with_((c) => { c.callback.required = true; c.callback.dueAt = '2026-06-10T18:00:00+01:00'; c.caller.phone = '07700 900123'; }, base))).toEqual([]);
      expect(fields(with_((c) => { c.callback.dueAt = null; c.callback.phone = ''; }, base))).toEqual([]);
    });
  });

  describe('NHS number', () => {
    it('an invalid one is one issue, in the same words as its field', () => {
      for (const n of ['943 476 5910', '943476591', '943476591X']) {
        const issues = finaliseIssues(with_((c) => { c.caller.nhsNumber = n; }), NOW);
        expect(issues, n).toEqual([{ field: 'caller.nhsNumber', message: nhsNumberProblem(n) }]);
      }
    });
  });

  describe('date of birth', () => {
    const onCall = (startedAt: string, dateOfBirth: string) => with_((c) => { c.caller.dateOfBirth = dateOfBirth; }, complete(startedAt));
    const dobIssues = (c: Content) => finaliseIssues(c, new Date(c.startedAt)).filter((i) => i.field === 'caller.dateOfBirth').map((i) => i.message);

    it('may be the day of the call, judged in London: 00:30 BST on 11 June is 11 June', () => {
      const call = '2026-06-10T23:30:00Z';
      expect(dobIssues(onCall(call, '2026-06-11'))).toEqual([]);
      expect(callerAgeYears(onCall(call, '2026-06-11'))).toBe(0);
      expect(dobIssues(onCall(call, '2026-06-12'))).toEqual([expect.stringMatching(/in the future \(after the day of the call\)/)]);
      // In winter London is on UTC: 23:30 on 31 December is still 31 December.
      expect(dobIssues(onCall('2026-12-31T23:30:00Z', '2026-12-31'))).toEqual([]);
      expect(dobIssues(onCall('2026-12-31T23:30:00Z', '2027-01-01'))).toEqual([expect.stringMatching(/in the future/)]);
    });

    it('a future date of birth gives no age: the stated age is used instead', () => {
      const c = with_((x) => { x.caller.dateOfBirth = '2030-01-01'; x.caller.ageYears = 40; });
      expect(callerAgeYears(c)).toBe(40);
      expect(fields(c)).toEqual(['caller.dateOfBirth']);
    });

    it('29 February is a date only in a leap year', () => {
      expect(dobIssues(onCall(STARTED, '2024-02-29'))).toEqual([]);
      expect(dobIssues(onCall(STARTED, '2023-02-29'))).toEqual(['This is not a real date: check the date of birth with the caller.']);
      expect(dobIssues(onCall(STARTED, '2000-02-29'))).toEqual([]);
      expect(dobIssues(onCall(STARTED, '1900-02-29'))).toEqual(['This is not a real date: check the date of birth with the caller.']);
      expect(dobIssues(onCall(STARTED, '1990-13-01'))).toHaveLength(1);
    });

    it('no older than 130 on the day of the call', () => {
      // 130 on the day of the call (10 June 2026) is possible; 131 is not.
      expect(dobIssues(onCall(STARTED, '1896-06-10'))).toEqual([]);
      expect(dobIssues(onCall(STARTED, '1895-06-11'))).toEqual([]);
      expect(dobIssues(onCall(STARTED, '1895-06-10'))).toEqual([expect.stringMatching(/older than 130: check the year/)]);
    });
  });

  describe('what was typed but does not read as a date, time or number', () => {
    it('is one issue at its field, in the words its field uses', () => {
      for (const field of TYPED_FIELDS) {
        const c: DraftContent = { ...complete(), typed: { [field]: 'about 3pm?' } };
        expect(finaliseIssues(c, NOW), field).toEqual([{ field, message: TYPED_FIELD_MESSAGES[field] }]);
        expect(finaliseIssues({ ...c, typed: { [field]: '   ' } }, NOW), field).toEqual([]);
      }
    });

    it('a callback due time typed unreadably is not also reported as missing', () => {
      const c: DraftContent = { ...with_((x) => { x.callback = { ...x.callback, required: true, dueAt: null }; }), typed: { 'callback.dueAt': 'tomorrow' } };
      expect(finaliseIssues(c, NOW)).toEqual([{ field: 'callback.dueAt', message: TYPED_FIELD_MESSAGES['callback.dueAt'] }]);
    });

    it('is left out of the finalised content', () => {
      const c: DraftContent = { ...complete(), typed: {} };
      expect(finaliseIssues(c, NOW)).toEqual([]);
      expect(finalisableContent(c)).not.toHaveProperty('typed');
      expect(finalisableContent(c)).toEqual(complete());
    });
  });

  describe('a callback whose due time has passed', () => {
    const due = (dueAt: string, completedAt: string | null = null) =>
      with_((c) => { c.callback = { required: true, dueAt, phone: '07700 900456', reason: '', completedAt }; });

    it('stops finalising, unless the callback is recorded as made', () => {
      expect(finaliseIssues(due('2026-06-10T14:00:00+01:00'), NOW)).toEqual([{ field: 'callback.dueAt', message: expect.stringMatching(/has passed: set when the callback is now due, or record that the callback has been made/) }]);
      expect(finaliseIssues(due('2026-06-10T14:00:00+01:00', '2026-06-10T14:20:00+01:00'), NOW)).toEqual([]);
    });

    it('is judged at the moment of finalising, not when the call started', () => {
      const c = due('2026-06-10T16:00:00+01:00');
      expect(finaliseIssues(c, new Date('2026-06-10T15:59:00+01:00'))).toEqual([]);
      expect(fields(c)).toEqual([]);
      expect(finaliseIssues(c, new Date('2026-06-10T16:01:00+01:00')).map((i) => i.field)).toEqual(['callback.dueAt']);
    });

    it('matters only when a callback is needed', () => {
      expect(fields(with_((c) => { c.callback = { required: false, dueAt: '2026-06-09T10:00:00+01:00', phone: '', reason: '', completedAt: null }; }))).toEqual([]);
    });
  });

  describe('clinical limits: a draft may exceed them, finalising may not', () => {
    /** The record with `value` in the field `pattern` names (in the second of two referrals for a referral's field). */
    function withText(pattern: string, value: string): { content: DraftContent; field: string } {
      const c: DraftContent = structuredClone(complete());
      c.outcome.code = '03';
      c.referrals = [referral(), referral({ id: 'ref-2', serviceId: 'svc-2', method: 'signposted' })];
      const parts = pattern.split('.');
      if (parts[1] === '*') {
        (c.referrals[1] as Record<string, unknown>)[parts[2]!] = value;
        return { content: c, field: `referrals.1.${parts[2]}` };
      }
      let o = c as unknown as Record<string, unknown>;
      for (const k of parts.slice(0, -1)) o = o[k] as Record<string, unknown>;
      o[parts.at(-1)!] = value;
      return { content: c, field: pattern };
    }
    // Text that is otherwise acceptable where it goes: digits for the NHS number, a postcode's letters.
    const filler = (pattern: string, n: number) => (pattern === 'caller.nhsNumber' ? '9434765919'.padEnd(n, ' ') : 'A'.repeat(n));

    it('every text field: at its limit it may be finalised; one character over is one issue at that field', () => {
      for (const [pattern, limit] of Object.entries(TEXT_LIMITS)) {
        const at = withText(pattern, filler(pattern, limit));
        expect(DraftContent.safeParse(at.content).success, pattern).toBe(true);
        expect(finaliseIssues(at.content, NOW), pattern).toEqual([]);
        const over = withText(pattern, filler(pattern, limit + 1));
        expect(DraftContent.safeParse(over.content).success, `${pattern} is still a draft`).toBe(true);
        expect(finaliseIssues(over.content, NOW), pattern).toEqual([{ field: over.field, message: expect.stringContaining(`${(limit + 1).toLocaleString('en-GB')} characters, and a finalised record holds at most ${limit.toLocaleString('en-GB')} here. Shorten it by 1;`) }]);
      }
    });

    it('a pasted 100,000-character summary says how much to cut', () => {
      const { content } = withText('presentingNeed.summary', 'word '.repeat(20_000));
      expect(finaliseIssues(content, NOW)).toEqual([{ field: 'presentingNeed.summary', message: 'Too long to finalise: 100,000 characters, and a finalised record holds at most 5,000 here. Shorten it by 95,000; the draft keeps all of it meanwhile.' }]);
    });

    it('no more than 50 referrals', () => {
      const many = (n: number): DraftContent => ({
        ...complete(),
        outcome: { code: '03', notes: '' },
        referrals: Array.from({ length: n }, (_, i) => referral({ id: `ref-${i}`, serviceId: `svc-${i}`, method: 'signposted' })),
      });
      expect(fields(many(MAX_REFERRALS))).toEqual([]);
      expect(DraftContent.safeParse(many(MAX_REFERRALS + 1)).success).toBe(true);
      expect(finaliseIssues(many(MAX_REFERRALS + 1), NOW)).toEqual([{ field: 'referrals', message: '51 services are linked; a record holds at most 50. Remove 1.' }]);
    });

    it('no issues means the record meets every limit (random drafts; FC_SEED to replay)', () => {
      const seed = Number(process.env.FC_SEED ?? 20_260_610);
      const paths = Object.keys(TEXT_LIMITS);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), fc.nat({ max: 9000 })), { maxLength: 4 }), (edits) => {
          let content: DraftContent = complete();
          for (const [pattern, n] of edits) content = withText(pattern, filler(pattern, Math.max(1, n))).content;
          const issues = finaliseIssues(content, NOW);
          const strict = CallRecordContent.safeParse(content);
          expect(issues.length === 0).toBe(strict.success);
          for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
        }),
        { seed, numRuns: Number(process.env.FC_RUNS ?? 200) },
      );
    });
  });
});
