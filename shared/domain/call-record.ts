import { z } from 'zod';
import type { Author } from './people';
import { SERVICE_TYPES } from './service-types';

/*
 * The call record of a UK crisis line (DESIGN.md §9). A draft may hold anything that parses here;
 * what finalising additionally requires is in finalise.ts, shared by the screen and the core.
 * Risk is structured by domain with a free-text formulation and deliberately has no numeric score.
 */

const IsoInstant = z.iso.datetime({ offset: true });
const Text = (max: number) => z.string().max(max);

export const CONTACT_ROUTES = ['nhs111_option2', 'direct_line', 'professional_line', 'text', 'callback', 'other'] as const;
export const CONTACT_ROUTE_LABELS: Record<(typeof CONTACT_ROUTES)[number], string> = {
  nhs111_option2: 'NHS 111 option 2',
  direct_line: 'Direct crisis line',
  professional_line: 'Professionals line',
  text: 'Text',
  callback: 'Planned callback',
  other: 'Other',
};

export type ContactRoute = (typeof CONTACT_ROUTES)[number];

export const CALLER_TYPES = ['self', 'family_carer', 'friend', 'professional', 'other'] as const;
export type CallerType = (typeof CALLER_TYPES)[number];
export const CALLER_TYPE_LABELS: Record<(typeof CALLER_TYPES)[number], string> = {
  self: 'The person themselves',
  family_carer: 'Family member or carer',
  friend: 'Friend or neighbour',
  professional: 'Professional',
  other: 'Other',
};

export const Caller = z.object({
  type: z.enum(CALLER_TYPES).nullable(),
  /** The caller chose not to give identifying details; the record is still kept. */
  anonymous: z.boolean(),
  name: Text(200),
  dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
  /** Stated or estimated age when no date of birth is given. */
  ageYears: z.number().int().min(0).max(130).nullable(),
  nhsNumber: Text(20),
  phone: Text(40),
  postcode: Text(10),
  /** When a third party calls: who the call is about. */
  aboutPerson: Text(300),
});

export const PRESENTING_CATEGORIES = [
  'suicidal_thoughts', 'self_harm', 'low_mood', 'anxiety_panic', 'psychosis', 'mania', 'substance_use',
  'eating_difficulties', 'relationship_family', 'housing_money', 'bereavement', 'loneliness', 'trauma', 'other',
] as const;

export const PresentingNeed = z.object({
  categories: z.array(z.enum(PRESENTING_CATEGORIES)).max(PRESENTING_CATEGORIES.length),
  summary: Text(5000),
});

export const RISK_STATUSES = ['not_assessed', 'none_identified', 'present'] as const;
export const RISK_STATUS_LABELS: Record<(typeof RISK_STATUSES)[number], string> = {
  not_assessed: 'Not assessed',
  none_identified: 'None identified',
  present: 'Present',
};

export const RISK_INDICATORS = {
  toSelf: ['suicidal_ideation', 'plan', 'intent', 'access_to_means', 'recent_self_harm', 'previous_attempt', 'intoxicated', 'hopelessness'],
  toOthers: ['threats_made', 'violent_ideation', 'access_to_weapon', 'history_of_violence'],
  fromOthers: ['domestic_abuse', 'exploitation', 'neglect', 'harassment'],
} as const;

const riskArea = <T extends readonly [string, ...string[]]>(indicators: T) =>
  z.object({ status: z.enum(RISK_STATUSES), indicators: z.array(z.enum(indicators)).max(indicators.length), notes: Text(3000) });

export const Risk = z.object({
  toSelf: riskArea(RISK_INDICATORS.toSelf),
  toOthers: riskArea(RISK_INDICATORS.toOthers),
  fromOthers: riskArea(RISK_INDICATORS.fromOthers),
  safeguarding: z.object({
    status: z.enum(RISK_STATUSES),
    childrenConcern: z.boolean(),
    adultConcern: z.boolean(),
    referralMade: z.boolean(),
    notes: Text(3000),
  }),
  /** Immediate danger to life: requires an emergency intervention before finalising. */
  immediateDanger: z.boolean(),
  /** The clinician's formulation of risk in their own words. */
  formulation: Text(8000),
});

export const INTERVENTIONS = [
  'listening_support', 'de_escalation', 'safety_plan_reviewed', 'safety_plan_created', 'coping_strategies',
  'information_given', 'signposted', 'referral_made', 'care_team_informed', 'gp_informed', 'senior_consulted',
  'emergency_services_called', 'welfare_check_requested',
  // Added after the first release (so a shift summary can tell police from ambulance): appended, never reordered.
  'police_contacted', 'ambulance_requested',
] as const;
export type Intervention = (typeof INTERVENTIONS)[number];
/** Interventions for immediate danger: one of them is required before a record in danger is finalised. */
export const EMERGENCY_INTERVENTIONS: readonly Intervention[] = ['emergency_services_called', 'welfare_check_requested', 'police_contacted', 'ambulance_requested'];

export const Interventions = z.object({
  items: z.array(z.enum(INTERVENTIONS)).max(INTERVENTIONS.length),
  notes: Text(5000),
});

/** MENTAL HEALTH DROP IN CONTACT OUTCOME, the national codes crisis lines report to MHSDS. */
export const OUTCOME_CODES = {
  '01': 'Caller disconnected',
  '02': 'Advice on call only',
  '03': 'Signposted to other non-NHS services or sources of support',
  '04': 'Non-urgent referral to other NHS service',
  '05': 'Urgent referral for face to face assessment',
  '06': 'Emergency service(s) notified',
  '98': 'Other (not listed)',
} as const;
export type OutcomeCode = keyof typeof OUTCOME_CODES;
const OUTCOME_CODE_VALUES = Object.keys(OUTCOME_CODES) as [OutcomeCode, ...OutcomeCode[]];

export const Outcome = z.object({ code: z.enum(OUTCOME_CODE_VALUES).nullable(), notes: Text(3000) });

export const REFERRAL_METHODS = ['signposted', 'referred', 'warm_transfer'] as const;

/** A service from the directory linked to this call; name and type are kept as they were then. */
export const Referral = z.object({
  id: z.string().min(1).max(100),
  serviceId: z.string().min(1).max(200),
  serviceName: Text(300),
  serviceType: z.enum(SERVICE_TYPES),
  /** The service's age range when linked, so a child is never finalised into an adult-only service. */
  serviceAgeMin: z.number().int().min(0).max(130).nullable(),
  serviceAgeMax: z.number().int().min(0).max(130).nullable(),
  method: z.enum(REFERRAL_METHODS),
  at: IsoInstant,
  notes: Text(2000),
});

export const Callback = z.object({
  required: z.boolean(),
  dueAt: IsoInstant.nullable(),
  phone: Text(40),
  reason: Text(1000),
  completedAt: IsoInstant.nullable(),
});

export const CONSENT_STATES = ['not_asked', 'given', 'declined', 'lacks_capacity'] as const;
export const Consent = z.object({
  /** Consent to share information with other services. */
  informationSharing: z.enum(CONSENT_STATES),
  notes: Text(2000),
});

export const CallRecordContent = z.object({
  startedAt: IsoInstant,
  endedAt: IsoInstant.nullable(),
  contactRoute: z.enum(CONTACT_ROUTES),
  caller: Caller,
  presentingNeed: PresentingNeed,
  risk: Risk,
  interventions: Interventions,
  outcome: Outcome,
  referrals: z.array(Referral).max(50),
  callback: Callback,
  consent: Consent,
});
export type CallRecordContent = z.infer<typeof CallRecordContent>;

export const CALL_STATUSES = ['draft', 'finalised', 'discarded'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export interface Addendum {
  id: string;
  recordId: string;
  createdAt: string;
  text: string;
  contentHash: string;
  /**
   * Set when this addendum records the callback the record asked for as made (its time): a
   * finalised record cannot change, so the callback is closed by an addendum.
   */
  callbackMadeAt: string | null;
  /** Who wrote it; null while it is unattributed (written while nobody was signed in) or when it was never recorded. */
  author: Author | null;
}

/** When the callback a record asked for was made (in the record, or later by an addendum); null while still owed or never asked for. */
export function callbackMadeAt(record: Pick<CallRecord, 'content' | 'addenda'>): string | null {
  if (!record.content.callback.required) return null;
  return record.content.callback.completedAt ?? record.addenda.find((a) => a.callbackMadeAt)?.callbackMadeAt ?? null;
}

/** The record asked for a callback that has not been made yet. */
export const callbackOwed = (record: Pick<CallRecord, 'content' | 'addenda'>): boolean => record.content.callback.required && callbackMadeAt(record) === null;

/**
 * What an addendum's content hash covers: its id, record, time and text, and that it closed the
 * callback when it did (left out otherwise, so older addenda keep their hashes). The desk and the
 * server hash exactly this, as RFC 8785 JSON.
 */
export function addendumHashFields(a: Omit<Addendum, 'contentHash' | 'author'>): Record<string, string> {
  return { id: a.id, recordId: a.recordId, createdAt: a.createdAt, text: a.text, ...(a.callbackMadeAt ? { callbackMadeAt: a.callbackMadeAt } : {}) };
}

/** A call record as the core returns it. */
export interface CallRecord {
  id: string;
  status: CallStatus;
  /** Increases with every save on this desk; a save must name the revision it was based on. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  finalisedAt: string | null;
  discardedAt: string | null;
  discardReason: string | null;
  /** sha256 of the canonical JSON of the content, set when finalised. */
  contentHash: string | null;
  content: CallRecordContent;
  addenda: Addendum[];
  /**
   * Who started the record; null when it was written while nobody was signed in (it waits for
   * someone to claim it) or before the desk recorded authors. Only they may change a draft.
   */
  createdBy: Author | null;
  /** Who made the latest change (the newest revision). */
  updatedBy: Author | null;
  finalisedBy: Author | null;
  discardedBy: Author | null;
  /** Changes to this record made while nobody was signed in, waiting for someone to claim them. */
  unclaimedChanges: number;
}

/** One line of the list of calls: enough to find and resume it, no clinical detail. */
export interface CallSummary {
  id: string;
  status: CallStatus;
  revision: number;
  startedAt: string;
  updatedAt: string;
  callerLabel: string;
  outcomeCode: OutcomeCode | null;
  callbackDueAt: string | null;
  /** Who started it (null: unattributed, or not recorded). */
  createdBy: Author | null;
}

const emptyRiskArea = { status: 'not_assessed' as const, indicators: [], notes: '' };

export function emptyCallRecordContent(startedAt: string): CallRecordContent {
  return {
    startedAt,
    endedAt: null,
    contactRoute: 'nhs111_option2',
    caller: { type: null, anonymous: false, name: '', dateOfBirth: null, ageYears: null, nhsNumber: '', phone: '', postcode: '', aboutPerson: '' },
    presentingNeed: { categories: [], summary: '' },
    risk: {
      toSelf: { ...emptyRiskArea },
      toOthers: { ...emptyRiskArea },
      fromOthers: { ...emptyRiskArea },
      safeguarding: { status: 'not_assessed', childrenConcern: false, adultConcern: false, referralMade: false, notes: '' },
      immediateDanger: false,
      formulation: '',
    },
    interventions: { items: [], notes: '' },
    outcome: { code: null, notes: '' },
    referrals: [],
    callback: { required: false, dueAt: null, phone: '', reason: '', completedAt: null },
    consent: { informationSharing: 'not_asked', notes: '' },
  };
}
