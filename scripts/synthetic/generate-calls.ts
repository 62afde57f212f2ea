import { v7 as uuidv7 } from 'uuid';
import {
  CALLER_TYPES,
  emptyCallRecordContent,
  INTERVENTIONS,
  OUTCOME_CODES,
  PRESENTING_CATEGORIES,
  type CallRecordContent,
  type CallStatus,
  type Intervention,
  type OutcomeCode,
} from '../../shared/domain/call-record';
import type { ServiceType } from '../../shared/domain/service-types';
import { Random } from './random';

/*
 * Synthetic call records for shift summaries: calls spread over a time range with the rhythm of a
 * crisis line (busier in the evening and small hours), every kind of caller, route, outcome,
 * escalation and referral, callbacks owed, made in the record and made later by addendum, drafts
 * left open and discarded ones. Deterministic from the seed. With `canary`, every free-text field
 * of every record (and the discard reason and addenda) holds that string, so a test can prove no
 * export carries typed text. Nothing here is a real person: names are made from the canary or
 * left empty, phone numbers are Ofcom's drama range.
 */

export interface SyntheticCall {
  id: string;
  clinicianId: string;
  status: CallStatus;
  content: CallRecordContent;
  /** For a discarded call. */
  discardReason: string | null;
  /** Addenda to add once finalised; callbackMadeAt set on the one recording the callback as made. */
  addenda: { text: string; createdAt: string; callbackMadeAt: string | null }[];
}

export interface CallGeneratorOptions {
  seed: number;
  from: Date;
  to: Date;
  count: number;
  /** Who took the calls (user ids), picked at random. */
  clinicians: readonly string[];
  /** Directory services referrals may link to; an unlisted one is added now and then. */
  services: readonly { id: string; type: ServiceType }[];
  /** Typed into every free-text field when given: at most 10 characters, so it fits whole in the shortest (a postcode). */
  canary?: string;
  /** Judges which callbacks are already due (made or not). Defaults to the end of the range. */
  now?: Date;
}

/** Relative call volume by London hour of day (a crisis line's evening and night peak). */
const HOURLY_WEIGHT = [6, 5, 4, 3, 2, 2, 2, 3, 4, 4, 4, 5, 5, 5, 5, 5, 6, 7, 8, 9, 10, 10, 9, 8];

const OUTCOMES = Object.keys(OUTCOME_CODES) as OutcomeCode[];

export function generateCalls(o: CallGeneratorOptions): SyntheticCall[] {
  if (o.canary !== undefined && (o.canary.length === 0 || o.canary.length > 10)) throw new RangeError('The canary must be 1 to 10 characters, so it fits whole in every free-text field.');
  const rnd = Random.stream(o.seed, 7);
  const from = o.from.getTime();
  const span = o.to.getTime() - from;
  const now = (o.now ?? o.to).getTime();
  const text = (fallback: string) => o.canary ?? fallback;
  // Call start times: weighted by the hour of day, sorted so ids (UUIDv7) follow time.
  const starts: number[] = [];
  while (starts.length < o.count) {
    const t = from + Math.floor(rnd.float() * span);
    const hour = new Date(t).getUTCHours();
    if (rnd.float() * 10 < HOURLY_WEIGHT[hour]!) starts.push(Math.floor(t / 1000) * 1000);
  }
  starts.sort((a, b) => a - b);
  return starts.map((t, i) => {
    const r = Random.stream(o.seed, 1000 + i);
    const startedAt = new Date(t).toISOString();
    const c = emptyCallRecordContent(startedAt);
    const minutes = r.weighted([[3, 2], [8, 4], [15, 4], [25, 3], [45, 1]] as const) + r.int(0, 4);
    c.endedAt = r.chance(0.95) ? new Date(t + minutes * 60_000 + r.int(0, 59) * 1000).toISOString() : null;
    c.contactRoute = r.weighted([['nhs111_option2', 12], ['direct_line', 5], ['professional_line', 2], ['text', 2], ['callback', 1], ['other', 1]] as const);
    c.caller.type = r.chance(0.93) ? r.pick(CALLER_TYPES) : null;
    c.caller.anonymous = r.chance(0.3);
    c.caller.name = c.caller.anonymous ? '' : text('');
    const ageKind = r.weighted([['dob', 3], ['stated', 4], ['none', 2]] as const);
    if (ageKind === 'dob') c.caller.dateOfBirth = `${r.int(1940, 2012)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
    if (ageKind === 'stated') c.caller.ageYears = r.weighted([[r.int(11, 17), 2], [r.int(18, 90), 8]] as const);
    c.caller.phone = text('07700 900123');
    c.caller.postcode = o.canary ?? '';
    c.caller.aboutPerson = o.canary ?? '';
    c.presentingNeed = { categories: [r.pick(PRESENTING_CATEGORIES)], summary: text('Synthetic call: talked through the evening.') };
    const danger = r.chance(0.06);
    for (const area of ['toSelf', 'toOthers', 'fromOthers'] as const) {
      c.risk[area] = { status: r.weighted([['none_identified', 6], ['present', 2], ['not_assessed', 1]] as const), indicators: [], notes: o.canary ?? '' };
    }
    const safeguarding = r.chance(0.12);
    c.risk.safeguarding = {
      status: safeguarding ? 'present' : 'none_identified',
      childrenConcern: safeguarding && r.chance(0.5),
      adultConcern: safeguarding && r.chance(0.6),
      referralMade: safeguarding && r.chance(0.7),
      notes: o.canary ?? '',
    };
    c.risk.immediateDanger = danger;
    c.risk.formulation = text('Synthetic formulation.');
    const items = new Set<Intervention>([r.pick(INTERVENTIONS.slice(0, 8))]);
    if (danger || r.chance(0.04)) items.add(r.pick(['emergency_services_called', 'police_contacted', 'ambulance_requested', 'welfare_check_requested'] as const));
    if (danger && r.chance(0.4)) items.add(r.pick(['police_contacted', 'ambulance_requested'] as const));
    c.interventions = { items: [...items], notes: o.canary ?? '' };
    c.outcome = { code: r.chance(0.9) ? (danger ? '06' : r.pick(OUTCOMES)) : null, notes: o.canary ?? '' };
    const referrals = r.weighted([[0, 6], [1, 3], [2, 1]] as const);
    for (let k = 0; k < referrals; k++) {
      const unlisted = r.chance(0.08) || o.services.length === 0;
      const svc = unlisted ? { id: `unlisted-${r.int(1, 9)}`, type: 'voluntary_support' as const } : r.pick(o.services);
      c.referrals.push({ id: `ref-${k}`, serviceId: svc.id, serviceName: text('Synthetic service'), serviceType: svc.type, serviceAgeMin: null, serviceAgeMax: null, method: r.pick(['signposted', 'referred', 'warm_transfer'] as const), at: startedAt, notes: o.canary ?? '' });
    }
    // A draft is a call still being written up: common within a day, rare (abandoned) after it.
    const recent = now - t < 24 * 3_600_000;
    const status: CallStatus = r.weighted([['finalised', recent ? 85 : 94.5], ['draft', recent ? 10 : 0.5], ['discarded', 5]] as const);
    const addenda: SyntheticCall['addenda'] = [];
    if (r.chance(0.25)) {
      // Set at the end of the call for later: a callback already overdue when the record is
      // finalised is refused (finaliseIssues), as a clinician's desk would be.
      const due = (c.endedAt ? Date.parse(c.endedAt) : t) + r.int(30, 16 * 60) * 60_000;
      const callbackDue = new Date(due).toISOString();
      c.callback = { required: true, dueAt: callbackDue, phone: text('07700 900456'), reason: text('Synthetic callback.'), completedAt: null };
      const madeAt = due + r.int(-20, 40) * 60_000;
      // Callbacks of the last day or two are often still owed; older ones have almost all been made.
      const owedWeight = now - due < 48 * 3_600_000 ? 2 : 0.1;
      const way = madeAt <= now ? r.weighted([['in_record', 2], ['addendum', 3], ['owed', owedWeight]] as const) : 'owed';
      if (way === 'in_record') c.callback.completedAt = new Date(Math.max(t, madeAt)).toISOString();
      else if (way === 'addendum' && status === 'finalised') addenda.push({ text: text('Synthetic: called back.'), createdAt: new Date(Math.max(t, madeAt)).toISOString(), callbackMadeAt: new Date(Math.max(t, madeAt)).toISOString() });
    }
    if (status === 'finalised' && r.chance(0.05)) addenda.push({ text: text('Synthetic addendum.'), createdAt: new Date(t + 90 * 60_000).toISOString(), callbackMadeAt: null });
    c.consent = { informationSharing: r.pick(['given', 'declined', 'not_asked'] as const), notes: o.canary ?? '' };
    if (status === 'finalised') makeFinalisable(c);
    else c.caller.nhsNumber = o.canary ?? '';
    return {
      id: uuidv7({ msecs: t, random: randomBytes(r) }),
      clinicianId: r.pick(o.clinicians),
      status,
      content: c,
      discardReason: status === 'discarded' ? text('Opened by mistake.') : null,
      addenda,
    };
  });
}

/** A synthetic NHS number that passes the checksum (NHS Digital's own test number). */
export const SYNTHETIC_NHS_NUMBER = '943 476 5919';

/**
 * Puts right what would stop the server finalising the record (shared/domain/finalise.ts), keeping
 * the record's character: a finalised record in the data is one a clinician could have finalised.
 */
function makeFinalisable(c: CallRecordContent): void {
  c.caller.type ??= 'self';
  if (!c.caller.name.trim()) c.caller.anonymous = true;
  c.caller.nhsNumber = c.caller.anonymous ? '' : SYNTHETIC_NHS_NUMBER;
  for (const area of ['toSelf', 'toOthers', 'fromOthers'] as const) {
    if (c.risk[area].status === 'not_assessed') c.risk[area].status = 'none_identified';
    if (c.risk[area].status === 'present' && !c.risk[area].notes.trim()) c.risk[area].indicators = [area === 'toSelf' ? 'hopelessness' : area === 'toOthers' ? 'threats_made' : 'harassment'] as never;
  }
  const sg = c.risk.safeguarding;
  if (sg.childrenConcern || sg.adultConcern) sg.status = 'present';
  if (sg.status === 'present' && !sg.notes.trim()) sg.referralMade = true;
  if (!c.risk.formulation.trim()) c.risk.formulation = 'Synthetic formulation.';
  if (c.risk.immediateDanger) c.outcome.code = '06';
  c.outcome.code ??= '02';
  const emergency = c.interventions.items.some((i) => ['emergency_services_called', 'welfare_check_requested', 'police_contacted', 'ambulance_requested'].includes(i));
  if (c.outcome.code === '06' && !emergency) c.interventions.items.push('emergency_services_called');
  if (['03', '04', '05'].includes(c.outcome.code) && c.referrals.length === 0) c.outcome.code = '02';
  if ((c.outcome.code === '04' || c.outcome.code === '05') && c.referrals.every((x) => x.method === 'signposted')) c.referrals[0]!.method = 'referred';
  if (c.consent.informationSharing === 'not_asked' || (c.consent.informationSharing === 'declined' && !c.consent.notes.trim())) c.consent.informationSharing = 'given';
}

function randomBytes(r: Random): Uint8Array {
  return Uint8Array.from({ length: 16 }, () => r.int(0, 255));
}
