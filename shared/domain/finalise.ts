import { londonMomentOf } from '../lib/calendar';
import { isValidNhsNumber } from '../lib/nhs-number';
import { EMERGENCY_INTERVENTIONS, type CallRecordContent } from './call-record';

/** Something that must be put right before a record can be finalised, with the field it concerns. */
export interface FinaliseIssue {
  field: string;
  message: string;
}

const blank = (s: string) => s.trim().length === 0;

/**
 * Age in whole years on the day of the call (its date in London, not in UTC: a call at 00:30 BST
 * on an 18th birthday is from an 18-year-old), from the date of birth or the stated age.
 */
export function callerAgeYears(content: Pick<CallRecordContent, 'startedAt'> & { caller: Pick<CallRecordContent['caller'], 'dateOfBirth' | 'ageYears'> }): number | null {
  const { dateOfBirth, ageYears } = content.caller;
  if (dateOfBirth) {
    const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
    // The call's London date as numbers (no date text made and split: a month's export asks 40,000 times).
    const day = new Date(londonMomentOf(Date.parse(content.startedAt)).day * 86_400_000);
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    let age = y - by;
    if (m < bm || (m === bm && d < bd)) age--;
    return age;
  }
  return ageYears;
}

/**
 * Everything that stops a record from being finalised. The screen shows these next to the fields;
 * the core refuses to finalise while any remain. An empty list means the record may be finalised.
 */
export function finaliseIssues(c: CallRecordContent): FinaliseIssue[] {
  const issues: FinaliseIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });
  const disconnected = c.outcome.code === '01';

  if (!c.caller.type) add('caller.type', 'Say who called.');
  if (!c.caller.anonymous && blank(c.caller.name)) add('caller.name', 'Give the caller’s name, or mark the caller as anonymous.');
  if (!blank(c.caller.nhsNumber) && !isValidNhsNumber(c.caller.nhsNumber)) add('caller.nhsNumber', 'The NHS number is not valid: check the ten digits.');
  if (blank(c.presentingNeed.summary)) add('presentingNeed.summary', 'Summarise why the person called.');

  if (!disconnected) {
    for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding'] as const) {
      if (c.risk[area].status === 'not_assessed') add(`risk.${area}.status`, 'Record the risk assessment for this area (or choose “none identified”).');
    }
    if (blank(c.risk.formulation)) add('risk.formulation', 'Write the risk formulation.');
    if (c.consent.informationSharing === 'not_asked') add('consent.informationSharing', 'Record whether the caller consents to information sharing.');
  }
  for (const area of ['toSelf', 'toOthers', 'fromOthers'] as const) {
    const r = c.risk[area];
    if (r.status === 'present' && r.indicators.length === 0 && blank(r.notes)) add(`risk.${area}.indicators`, 'Say what the risk is: choose indicators or add notes.');
  }
  const sg = c.risk.safeguarding;
  if ((sg.childrenConcern || sg.adultConcern) && sg.status !== 'present') add('risk.safeguarding.status', 'A safeguarding concern is ticked: mark safeguarding risk as present.');
  if (sg.status === 'present' && !sg.referralMade && blank(sg.notes)) add('risk.safeguarding.notes', 'No safeguarding referral made: record why.');

  const emergency = c.interventions.items.some((i) => EMERGENCY_INTERVENTIONS.includes(i));
  if (c.risk.immediateDanger && !emergency) add('interventions.items', 'Immediate danger is recorded: record the emergency response (emergency services or welfare check).');
  if (c.risk.immediateDanger && c.outcome.code !== '06') add('outcome.code', 'Immediate danger is recorded: the outcome should be 06, emergency services notified.');

  if (!c.outcome.code) add('outcome.code', 'Choose the outcome of the call.');
  if (c.outcome.code === '06' && !emergency) add('interventions.items', 'Outcome 06: record which emergency service was notified.');
  if ((c.outcome.code === '03' || c.outcome.code === '04' || c.outcome.code === '05') && c.referrals.length === 0) {
    add('referrals', 'This outcome needs the service the caller was signposted or referred to.');
  }
  if ((c.outcome.code === '04' || c.outcome.code === '05') && !c.referrals.some((r) => r.method !== 'signposted')) {
    add('referrals', 'A referral outcome needs at least one referral (not only signposting).');
  }

  const age = callerAgeYears(c);
  if (age !== null) {
    for (const r of c.referrals) {
      if ((r.serviceAgeMin !== null && age < r.serviceAgeMin) || (r.serviceAgeMax !== null && age > r.serviceAgeMax)) {
        add('referrals', `${r.serviceName} does not take people aged ${age}: choose a service for this age.`);
      }
    }
  }
  if (c.consent.informationSharing === 'declined' && c.referrals.some((r) => r.method !== 'signposted') && blank(c.consent.notes)) {
    add('consent.notes', 'Consent was declined but a referral was made: record the reason for sharing.');
  }
  if (c.callback.required && !c.callback.dueAt) add('callback.dueAt', 'Set when the callback is due.');
  if (c.callback.required && blank(c.callback.phone) && blank(c.caller.phone)) add('callback.phone', 'Give a number to call back on.');
  return issues;
}
