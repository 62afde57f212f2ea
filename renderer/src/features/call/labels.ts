import type { CONSENT_STATES, INTERVENTIONS, PRESENTING_CATEGORIES, REFERRAL_METHODS, RISK_INDICATORS } from '../../../../shared/domain/call-record';

/** Labels for the option lists of the call record that shared/ does not label itself. */

export const PRESENTING_CATEGORY_LABELS: Record<(typeof PRESENTING_CATEGORIES)[number], string> = {
  suicidal_thoughts: 'Suicidal thoughts',
  self_harm: 'Self-harm',
  low_mood: 'Low mood',
  anxiety_panic: 'Anxiety or panic',
  psychosis: 'Psychosis',
  mania: 'Mania',
  substance_use: 'Drugs or alcohol',
  eating_difficulties: 'Eating difficulties',
  relationship_family: 'Relationships or family',
  housing_money: 'Housing or money',
  bereavement: 'Bereavement',
  loneliness: 'Loneliness',
  trauma: 'Trauma',
  other: 'Other',
};

type Indicator = (typeof RISK_INDICATORS)[keyof typeof RISK_INDICATORS][number];
export const RISK_INDICATOR_LABELS: Record<Indicator, string> = {
  suicidal_ideation: 'Suicidal ideation',
  plan: 'Has a plan',
  intent: 'Stated intent',
  access_to_means: 'Access to means',
  recent_self_harm: 'Recent self-harm',
  previous_attempt: 'Previous attempt',
  intoxicated: 'Intoxicated',
  hopelessness: 'Hopelessness',
  threats_made: 'Threats made',
  violent_ideation: 'Violent thoughts',
  access_to_weapon: 'Access to a weapon',
  history_of_violence: 'History of violence',
  domestic_abuse: 'Domestic abuse',
  exploitation: 'Exploitation',
  neglect: 'Neglect',
  harassment: 'Harassment',
};

export const RISK_AREA_LABELS = {
  toSelf: 'Risk to self',
  toOthers: 'Risk to others',
  fromOthers: 'Risk from others',
  safeguarding: 'Safeguarding',
} as const;

export const INTERVENTION_LABELS: Record<(typeof INTERVENTIONS)[number], string> = {
  listening_support: 'Listening and support',
  de_escalation: 'De-escalation',
  safety_plan_reviewed: 'Safety plan reviewed',
  safety_plan_created: 'Safety plan created',
  coping_strategies: 'Coping strategies',
  information_given: 'Information given',
  signposted: 'Signposted',
  referral_made: 'Referral made',
  care_team_informed: 'Care team informed',
  gp_informed: 'GP informed',
  senior_consulted: 'Senior clinician consulted',
  emergency_services_called: 'Emergency services called',
  welfare_check_requested: 'Welfare check requested',
  police_contacted: 'Police contacted',
  ambulance_requested: 'Ambulance requested',
};

export const REFERRAL_METHOD_LABELS: Record<(typeof REFERRAL_METHODS)[number], string> = {
  signposted: 'Signposted (caller makes contact)',
  referred: 'Referred by us',
  warm_transfer: 'Warm transfer (call put through)',
};

export const CONSENT_LABELS: Record<(typeof CONSENT_STATES)[number], string> = {
  not_asked: 'Not asked yet',
  given: 'Consent given',
  declined: 'Consent declined',
  lacks_capacity: 'Lacks capacity to decide',
};
