import { v7 as uuidv7 } from 'uuid';
import type { Random } from '../../../scripts/synthetic/random';
import {
  CONTACT_ROUTES,
  emptyCallRecordContent,
  RISK_INDICATORS,
  type CallRecordContent,
} from '../../../shared/domain/call-record';
import type { DirectoryService } from '../../../shared/domain/directory';
import { finaliseIssues } from '../../../shared/domain/finalise';

/*
 * Synthetic call records as full as real ones (a few KiB of JSON: summaries, formulation, notes,
 * referrals to directory services), built up over the edits of a call the way a clinician fills the
 * form in. Every person, number and sentence is made up; NHS numbers are in the 999 test range and
 * phone numbers in Ofcom's drama range.
 */

const FIRST = ['Alex', 'Sam', 'Jordan', 'Chris', 'Taylor', 'Morgan', 'Jamie', 'Robin', 'Casey', 'Ellis', 'Rowan', 'Avery'];
const LAST = ['Ashworth', 'Brindley', 'Calloway', 'Dunmore', 'Eastwood', 'Fairclough', 'Greenhalgh', 'Holroyd', 'Ingleby', 'Jessop'];
const POSTCODES = ['M1 1AE', 'LS1 4DY', 'B1 1BB', 'NE1 7RU', 'BS1 5TR', 'L1 8JQ', 'S1 2HE', 'NG1 5FS', 'PL1 2AA', 'CB2 1TN'];

const NEED_SENTENCES = [
  'Caller reports feeling overwhelmed since losing their job last month and has not been sleeping.',
  'Says the low mood has been building for several weeks and today felt unable to cope at home.',
  'Describes racing thoughts and a sense of panic that started this evening after an argument.',
  'Has been drinking more than usual to manage the feelings and is worried about where this is going.',
  'Mentions recent bereavement of a close family member and finds evenings the hardest time.',
  'Lives alone and has had no contact with anyone for a few days; wanted someone to talk to.',
  'Has a care coordinator with the community team but could not reach them out of hours.',
  'Housing situation is insecure and a notice to leave arrived this week, adding to the distress.',
  'Reports hearing critical voices more often this week; is taking medication as prescribed.',
  'Calling from a friend’s house; feels safer there tonight than at home.',
];
const FORMULATION_SENTENCES = [
  'Distress appears linked to acute stressors rather than a change in mental state.',
  'Protective factors include a supportive sibling, a pet at home and plans for the weekend.',
  'No current plan or intent was disclosed when asked directly; thoughts are passive and fleeting.',
  'Engaged well throughout the call and was able to identify coping strategies that have helped before.',
  'Risk is judged low at present but may rise if alcohol use continues tonight.',
  'Agreed a short safety plan and knows how to call back or attend the crisis café if things worsen.',
];
const NOTE_SENTENCES = [
  'Discussed grounding techniques and breathing exercises.',
  'Caller agreed to contact their GP tomorrow morning.',
  'Information about local support groups given verbally.',
  'Reviewed the existing safety plan together; caller has a copy at home.',
  'Caller declined a referral at this time but will consider it.',
];

const sentences = (rng: Random, from: readonly string[], min: number, max: number) => rng.sample(from, rng.int(min, max)).join(' ');

/** A valid NHS number in the 999 range, which is never issued to a patient. */
function testNhsNumber(rng: Random): string {
  for (;;) {
    const digits = [9, 9, 9, ...Array.from({ length: 6 }, () => rng.int(0, 9))];
    const check = 11 - (digits.reduce((sum, d, i) => sum + d * (10 - i), 0) % 11);
    if (check !== 10) return [...digits, check === 11 ? 0 : check].join('');
  }
}

/** A call as it will be when finalised, and the drafts it passes through on the way. */
export interface CallScript {
  recordId: string;
  /** Whole-content drafts, each a fuller form than the last; the last one is finalisable. */
  drafts: CallRecordContent[];
}

/** A finalisable record of a call that started at startedAt, with referrals to some of `services`. */
export function finalContent(rng: Random, startedAt: Date, services: readonly DirectoryService[]): CallRecordContent {
  const c = emptyCallRecordContent(startedAt.toISOString());
  c.endedAt = new Date(startedAt.getTime() + rng.int(6, 45) * 60_000).toISOString();
  c.contactRoute = rng.weighted(CONTACT_ROUTES.map((r) => [r, r === 'nhs111_option2' ? 6 : 1] as const));
  const anonymous = rng.chance(0.25);
  const age = rng.int(18, 84);
  c.caller = {
    type: rng.weighted([['self', 7], ['family_carer', 2], ['friend', 1], ['professional', 1]] as const),
    anonymous,
    name: anonymous ? '' : `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
    dateOfBirth: null,
    ageYears: age,
    nhsNumber: anonymous || rng.chance(0.5) ? '' : testNhsNumber(rng),
    phone: anonymous ? '' : `07700 900${String(rng.int(0, 999)).padStart(3, '0')}`,
    postcode: anonymous ? '' : rng.pick(POSTCODES),
    aboutPerson: '',
  };
  c.presentingNeed = { categories: rng.sample(['low_mood', 'anxiety_panic', 'suicidal_thoughts', 'substance_use', 'bereavement', 'loneliness', 'housing_money'] as const, rng.int(1, 3)), summary: sentences(rng, NEED_SENTENCES, 3, 7) };
  const selfRisk = rng.chance(0.4);
  c.risk = {
    toSelf: selfRisk ? { status: 'present', indicators: rng.sample(RISK_INDICATORS.toSelf, rng.int(1, 3)), notes: sentences(rng, FORMULATION_SENTENCES, 1, 2) } : { status: 'none_identified', indicators: [], notes: '' },
    toOthers: { status: 'none_identified', indicators: [], notes: '' },
    fromOthers: { status: 'none_identified', indicators: [], notes: '' },
    safeguarding: { status: 'none_identified', childrenConcern: false, adultConcern: false, referralMade: false, notes: '' },
    immediateDanger: false,
    formulation: sentences(rng, FORMULATION_SENTENCES, 2, 5),
  };
  c.interventions = { items: rng.sample(['listening_support', 'de_escalation', 'safety_plan_reviewed', 'coping_strategies', 'information_given', 'signposted'] as const, rng.int(1, 4)), notes: sentences(rng, NOTE_SENTENCES, 1, 3) };
  const suitable = services.filter((s) => (s.ageMin === null || s.ageMin <= age) && (s.ageMax === null || s.ageMax >= age));
  const referrals = suitable.length > 0 ? rng.int(0, 2) : 0;
  c.referrals = rng.sample(suitable, referrals).map((s, i) => ({
    id: uuidv7(),
    serviceId: s.id,
    serviceName: s.name,
    serviceType: s.type,
    serviceAgeMin: s.ageMin,
    serviceAgeMax: s.ageMax,
    method: i === 0 ? 'referred' : 'signposted',
    at: c.endedAt!,
    notes: sentences(rng, NOTE_SENTENCES, 0, 1),
  }));
  c.outcome = { code: referrals > 0 ? rng.pick(['03', '04'] as const) : '02', notes: sentences(rng, NOTE_SENTENCES, 0, 2) };
  c.consent = { informationSharing: 'given', notes: '' };
  // Due a day after the call, and never already past when it is finalised (finalising refuses a callback due in the past, H7).
  const dueAt = new Date(Math.max(startedAt.getTime(), Date.now()) + 86_400_000).toISOString();
  if (rng.chance(0.2) && c.caller.phone) c.callback = { required: true, dueAt, phone: '', reason: 'Check in after GP appointment.', completedAt: null };
  const issues = finaliseIssues(c);
  if (issues.length > 0) throw new Error(`the synthetic call is not finalisable: ${issues[0]!.message}`);
  return c;
}

/** The form at step `step` of `steps`: sections filled in order, the summary typed a part at a time. */
function draftAt(final: CallRecordContent, step: number, steps: number): CallRecordContent {
  const empty = emptyCallRecordContent(final.startedAt);
  const share = step / steps;
  const upTo = (text: string) => text.slice(0, Math.ceil(text.length * Math.min(1, share * 1.5)));
  return {
    ...empty,
    contactRoute: final.contactRoute,
    caller: final.caller,
    presentingNeed: { categories: final.presentingNeed.categories, summary: upTo(final.presentingNeed.summary) },
    risk: share >= 0.4 ? { ...final.risk, formulation: upTo(final.risk.formulation) } : empty.risk,
    interventions: share >= 0.6 ? final.interventions : empty.interventions,
    referrals: share >= 0.8 ? final.referrals : [],
    outcome: share >= 0.8 ? final.outcome : empty.outcome,
    consent: share >= 0.8 ? final.consent : empty.consent,
    callback: share >= 0.8 ? final.callback : empty.callback,
    endedAt: step === steps ? final.endedAt : null,
  };
}

/** A call of 3–8 autosaved drafts ending in finalisable content. */
export function callScript(rng: Random, startedAt: Date, services: readonly DirectoryService[]): CallScript {
  const final = finalContent(rng, startedAt, services);
  const steps = rng.int(3, 8);
  return { recordId: uuidv7(), drafts: Array.from({ length: steps }, (_, i) => (i === steps - 1 ? final : draftAt(final, i + 1, steps))) };
}
