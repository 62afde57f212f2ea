/** Our own service types for crisis care; ORUK/HSDS taxonomy terms are mapped onto these on import. */
export const SERVICE_TYPES = [
  'crisis_helpline',
  'crisis_cafe',
  'safe_haven',
  'sanctuary',
  'crisis_house',
  'crisis_resolution_home_treatment',
  'liaison_psychiatry',
  'cyp_crisis',
  'street_triage',
  'talking_therapies',
  'voluntary_support',
  'text_support',
  'bereavement_support',
  'substance_misuse',
] as const;

export type ServiceType = (typeof SERVICE_TYPES)[number];

export const SERVICE_TYPE_LABELS: Record<ServiceType, string> = {
  crisis_helpline: 'Crisis helpline',
  crisis_cafe: 'Crisis café',
  safe_haven: 'Safe haven',
  sanctuary: 'Sanctuary',
  crisis_house: 'Crisis house',
  crisis_resolution_home_treatment: 'Crisis resolution and home treatment',
  liaison_psychiatry: 'Liaison psychiatry (A&E)',
  cyp_crisis: "Children and young people's crisis",
  street_triage: 'Street triage',
  talking_therapies: 'Talking therapies',
  voluntary_support: 'Voluntary-sector support',
  text_support: 'Text support',
  bereavement_support: 'Bereavement support',
  substance_misuse: 'Drug and alcohol support',
};

export const SERVICE_STATUSES = ['active', 'temporarily_closed', 'defunct'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/** Who can refer into a service. */
export const REFERRAL_ROUTES = ['self', 'crisis_line', 'professional', 'gp'] as const;
export type ReferralRoute = (typeof REFERRAL_ROUTES)[number];

export const REFERRAL_ROUTE_LABELS: Record<ReferralRoute, string> = {
  self: 'Self-referral',
  crisis_line: 'Crisis line referral',
  professional: 'Professional referral',
  gp: 'GP referral',
};

export const PHONE_TYPES = ['public', 'professionals', 'text', 'out_of_hours'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export const PHONE_TYPE_LABELS: Record<PhoneType, string> = {
  public: 'Public',
  professionals: 'Professionals only',
  text: 'Text',
  out_of_hours: 'Out of hours',
};

/** Bit for each referral route, used in compact indexes (directory.db and the core's memory). */
export function referralRouteMask(routes: readonly ReferralRoute[]): number {
  let mask = 0;
  for (const r of routes) mask |= 1 << REFERRAL_ROUTES.indexOf(r);
  return mask;
}

export function referralRoutesFromMask(mask: number): ReferralRoute[] {
  return REFERRAL_ROUTES.filter((_, i) => (mask & (1 << i)) !== 0);
}
