import { describe, expect, it } from 'vitest';
import { CallRecordContent, emptyCallRecordContent } from './call-record';
import { callerAgeYears, finaliseIssues } from './finalise';

type Content = CallRecordContent;
type Referral = Content['referrals'][number];

const STARTED = '2026-06-10T14:00:00+01:00';

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

const fields = (c: Content) => finaliseIssues(c).map((i) => i.field);

describe('finaliseIssues', () => {
  it('an empty record has an issue for each required field, and only those', () => {
    expect(new Set(fields(emptyCallRecordContent(STARTED)))).toEqual(new Set([
      'caller.type', 'caller.name', 'presentingNeed.summary',
      'risk.toSelf.status', 'risk.toOthers.status', 'risk.fromOthers.status', 'risk.safeguarding.status', 'risk.formulation',
      'consent.informationSharing', 'outcome.code',
    ]));
    for (const issue of finaliseIssues(emptyCallRecordContent(STARTED))) expect(issue.message.length, issue.field).toBeGreaterThan(10);
  });

  it('a complete record has none', () => {
    expect(finaliseIssues(complete())).toEqual([]);
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
      const issues = finaliseIssues(child);
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
      const issues = finaliseIssues(with_((c) => { c.caller.ageYears = 12; c.outcome.code = '03'; c.referrals = [adultTeam, referral({ id: 'ref-3', serviceName: 'Adult Sanctuary', serviceAgeMin: 18 })]; }));
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
});
