import { z } from 'zod';
import type { Author } from './people';
import { SERVICE_TYPES } from './service-types';

/*
 * The call record of a UK crisis line (DESIGN.md §9), in two strengths of one shape:
 *
 * - DraftContent: what a draft may hold, and so what the desk saves and the sync protocol carries
 *   for drafts. Lenient on purpose: free text is taken well past its clinical limit, and a date or
 *   number typed so that it cannot be read is kept as typed (in `typed`), because a value in one
 *   field must never stop the rest of the record from being saved. Only the whole record is
 *   bounded (DRAFT_MAX_BYTES), to fit every transport it travels through.
 * - CallRecordContent: the clinical limits (TEXT_LIMITS, MAX_REFERRALS). Finalising requires them;
 *   finalise.ts reports each one broken as an issue at its field, on the screen, in the core and on
 *   the server alike.
 *
 * Risk is structured by domain with a free-text formulation and deliberately has no numeric score.
 */

const IsoInstant = z.iso.datetime({ offset: true });

/**
 * The clinical limit of every free-text field: the most a finalised record holds there. Paths as
 * finalise issues name them; `*` stands for any referral. The screen counts characters against
 * these from 80 % of the limit.
 */
export const TEXT_LIMITS = {
  'caller.name': 200,
  'caller.nhsNumber': 20,
  'caller.phone': 40,
  'caller.postcode': 10,
  'caller.aboutPerson': 300,
  'presentingNeed.summary': 5000,
  'risk.toSelf.notes': 3000,
  'risk.toOthers.notes': 3000,
  'risk.fromOthers.notes': 3000,
  'risk.safeguarding.notes': 3000,
  'risk.formulation': 8000,
  'interventions.notes': 5000,
  'outcome.notes': 3000,
  'referrals.*.id': 100,
  'referrals.*.serviceId': 200,
  'referrals.*.serviceName': 300,
  'referrals.*.notes': 2000,
  'callback.phone': 40,
  'callback.reason': 1000,
  'consent.notes': 2000,
} as const;
export type TextPath = keyof typeof TEXT_LIMITS;

/** The most services one finalised record links to. */
export const MAX_REFERRALS = 50;

/**
 * The most a draft's content may weigh, as UTF-8 JSON. Every finalised record fits several times
 * over (all clinical limits together are about 160,000 characters), and the largest draft still
 * fits, with the envelope around it, inside each transport: the browser host's 4 MiB WebSocket
 * messages, the server's 4 MiB request bodies and the desk's 2 MiB push batches (a change bigger
 * than a batch is sent on its own).
 */
export const DRAFT_MAX_BYTES = 1024 * 1024;

/** The limit of a text field named by its path ('referrals.3.notes' → the limit of 'referrals.*.notes'), or null. */
export function textLimitOf(path: string): number | null {
  const pattern = path.replace(/\.\d+\./g, '.*.');
  return (TEXT_LIMITS as Record<string, number>)[pattern] ?? null;
}

/** How many bytes a string takes as UTF-8 (a lone surrogate is written as U+FFFD, three bytes). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** What a record weighs as it travels: its JSON, in UTF-8 bytes. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value));

/**
 * Fields a person types as text but the record keeps as a date, time or number. While what was
 * typed cannot be read as one, the field holds null and the text is kept here, as typed, so that
 * nothing is lost; finalising needs it put right.
 */
export const TYPED_FIELDS = ['caller.dateOfBirth', 'caller.ageYears', 'callback.dueAt'] as const;
export type TypedField = (typeof TYPED_FIELDS)[number];
const TypedText = z.object(Object.fromEntries(TYPED_FIELDS.map((f) => [f, z.string().optional()])) as Record<TypedField, z.ZodOptional<z.ZodString>>);

type Strength = 'draft' | 'final';

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

export const PRESENTING_CATEGORIES = [
  'suicidal_thoughts', 'self_harm', 'low_mood', 'anxiety_panic', 'psychosis', 'mania', 'substance_use',
  'eating_difficulties', 'relationship_family', 'housing_money', 'bereavement', 'loneliness', 'trauma', 'other',
] as const;

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

export const REFERRAL_METHODS = ['signposted', 'referred', 'warm_transfer'] as const;

export const CONSENT_STATES = ['not_asked', 'given', 'declined', 'lacks_capacity'] as const;

/**
 * The record's schema at either strength. The shape, the choices (enums), flags and the times the
 * desk sets itself are the same in both: a form cannot make them wrong. Only free text (and the
 * number of referrals) is held to its clinical limit when final and left to the whole-record bound
 * in a draft.
 */
function recordSchema(strength: Strength) {
  const final = strength === 'final';
  const Text = (path: TextPath) => (final ? z.string().max(TEXT_LIMITS[path]) : z.string());
  const NonEmpty = (path: TextPath) => Text(path).min(1);

  const Caller = z.object({
    type: z.enum(CALLER_TYPES).nullable(),
    /** The caller chose not to give identifying details; the record is still kept. */
    anonymous: z.boolean(),
    name: Text('caller.name'),
    /** 'YYYY-MM-DD' once what was typed reads as a date; whether it is plausible is a finalise check. */
    dateOfBirth: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
    /** Stated or estimated age when no date of birth is given. */
    ageYears: z.number().int().min(0).max(130).nullable(),
    nhsNumber: Text('caller.nhsNumber'),
    phone: Text('caller.phone'),
    postcode: Text('caller.postcode'),
    /** When a third party calls: who the call is about. */
    aboutPerson: Text('caller.aboutPerson'),
  });

  const PresentingNeed = z.object({
    categories: z.array(z.enum(PRESENTING_CATEGORIES)).max(PRESENTING_CATEGORIES.length),
    summary: Text('presentingNeed.summary'),
  });

  const riskArea = <T extends readonly [string, ...string[]]>(indicators: T, notes: TextPath) =>
    z.object({ status: z.enum(RISK_STATUSES), indicators: z.array(z.enum(indicators)).max(indicators.length), notes: Text(notes) });

  const Risk = z.object({
    toSelf: riskArea(RISK_INDICATORS.toSelf, 'risk.toSelf.notes'),
    toOthers: riskArea(RISK_INDICATORS.toOthers, 'risk.toOthers.notes'),
    fromOthers: riskArea(RISK_INDICATORS.fromOthers, 'risk.fromOthers.notes'),
    safeguarding: z.object({
      status: z.enum(RISK_STATUSES),
      childrenConcern: z.boolean(),
      adultConcern: z.boolean(),
      referralMade: z.boolean(),
      notes: Text('risk.safeguarding.notes'),
    }),
    /** Immediate danger to life: requires an emergency intervention before finalising. */
    immediateDanger: z.boolean(),
    /** The clinician's formulation of risk in their own words. */
    formulation: Text('risk.formulation'),
  });

  const Interventions = z.object({
    items: z.array(z.enum(INTERVENTIONS)).max(INTERVENTIONS.length),
    notes: Text('interventions.notes'),
  });

  const Outcome = z.object({ code: z.enum(OUTCOME_CODE_VALUES).nullable(), notes: Text('outcome.notes') });

  /** A service from the directory linked to this call; name and type are kept as they were then. */
  const Referral = z.object({
    id: NonEmpty('referrals.*.id'),
    serviceId: NonEmpty('referrals.*.serviceId'),
    serviceName: Text('referrals.*.serviceName'),
    serviceType: z.enum(SERVICE_TYPES),
    /** The service's age range when linked, so a child is never finalised into an adult-only service. */
    serviceAgeMin: z.number().int().min(0).max(130).nullable(),
    serviceAgeMax: z.number().int().min(0).max(130).nullable(),
    method: z.enum(REFERRAL_METHODS),
    at: IsoInstant,
    notes: Text('referrals.*.notes'),
  });

  const Callback = z.object({
    required: z.boolean(),
    dueAt: IsoInstant.nullable(),
    phone: Text('callback.phone'),
    reason: Text('callback.reason'),
    /** Set when the callback was made before the record was finalised. */
    completedAt: IsoInstant.nullable(),
  });

  const Consent = z.object({
    /** Consent to share information with other services. */
    informationSharing: z.enum(CONSENT_STATES),
    notes: Text('consent.notes'),
  });

  const Content = z.object({
    startedAt: IsoInstant,
    endedAt: IsoInstant.nullable(),
    contactRoute: z.enum(CONTACT_ROUTES),
    caller: Caller,
    presentingNeed: PresentingNeed,
    risk: Risk,
    interventions: Interventions,
    outcome: Outcome,
    referrals: final ? z.array(Referral).max(MAX_REFERRALS) : z.array(Referral),
    callback: Callback,
    consent: Consent,
  });
  return { Caller, PresentingNeed, Risk, Interventions, Outcome, Referral, Callback, Consent, Content };
}

const FINAL = recordSchema('final');
const DRAFT = recordSchema('draft');

export const { Caller, PresentingNeed, Risk, Interventions, Outcome, Referral, Callback, Consent } = FINAL;

/** A record as it may be finalised: every clinical limit holds. */
export const CallRecordContent = FINAL.Content;
export type CallRecordContent = z.infer<typeof CallRecordContent>;

/**
 * A draft's content before the whole-record bound is checked: the shape the screen's form model
 * extends (a schema with a refinement cannot be extended).
 */
export const DraftContentShape = DRAFT.Content.extend({
  /** What was typed into a date, time or number field that does not read as one yet (TYPED_FIELDS). */
  typed: TypedText.optional(),
});

/** What a draft may hold: what the desk saves and the sync protocol carries for drafts. */
export const DraftContent = DraftContentShape.superRefine((content, ctx) => {
  const json = JSON.stringify(content);
  // A UTF-16 unit is at most 3 bytes of UTF-8, so text this short is within the bound without
  // counting (counting was 1.8 ms of each 500-draft push batch on the server).
  if (json.length * 3 <= DRAFT_MAX_BYTES) return;
  const bytes = utf8Bytes(json);
  if (bytes > DRAFT_MAX_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `This record is too large to save (${Math.ceil(bytes / 1024).toLocaleString('en-GB')} KiB; a draft holds at most ${DRAFT_MAX_BYTES / 1024} KiB): shorten the longest text.`,
    });
  }
});
export type DraftContent = z.infer<typeof DraftContent>;

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
  /** A draft's content is a DraftContent; a finalised record's meets every clinical limit. */
  content: DraftContent;
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
