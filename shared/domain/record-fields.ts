/*
 * What a clinician calls each field of the call record, by its path ('risk.toSelf.notes'; a
 * referral's fields as 'referrals.*.notes'). The conflicts view, the finalise issues and the
 * server's reasons all name fields with these words.
 */

const riskLabels = (area: 'toSelf' | 'toOthers' | 'fromOthers', name: string) => ({
  [`risk.${area}.status`]: `${name}: assessment`,
  [`risk.${area}.indicators`]: `${name}: indicators`,
  [`risk.${area}.notes`]: `${name}: notes`,
});

export const RECORD_FIELD_LABELS: Readonly<Record<string, string>> = {
  startedAt: 'Call started',
  endedAt: 'Call ended',
  contactRoute: 'How the call came in',
  'caller.type': 'Who called',
  'caller.anonymous': 'Caller anonymous',
  'caller.name': 'Name',
  'caller.dateOfBirth': 'Date of birth',
  'caller.ageYears': 'Age',
  'caller.nhsNumber': 'NHS number',
  'caller.phone': 'Phone number',
  'caller.postcode': 'Postcode',
  'caller.aboutPerson': 'Who the call is about',
  'presentingNeed.categories': 'What the call is about',
  'presentingNeed.summary': 'Presenting need: summary',
  ...riskLabels('toSelf', 'Risk to self'),
  ...riskLabels('toOthers', 'Risk to others'),
  ...riskLabels('fromOthers', 'Risk from others'),
  'risk.safeguarding.status': 'Safeguarding: assessment',
  'risk.safeguarding.childrenConcern': 'Safeguarding: concern about a child',
  'risk.safeguarding.adultConcern': 'Safeguarding: concern about an adult at risk',
  'risk.safeguarding.referralMade': 'Safeguarding: referral made',
  'risk.safeguarding.notes': 'Safeguarding: notes',
  'risk.immediateDanger': 'Immediate danger to life',
  'risk.formulation': 'Risk formulation',
  'interventions.items': 'What was done',
  'interventions.notes': 'Interventions: notes',
  'outcome.code': 'Outcome',
  'outcome.notes': 'Outcome: notes',
  referrals: 'Referrals',
  'referrals.*.id': 'Referral',
  'referrals.*.serviceId': 'Referral: service',
  'referrals.*.serviceName': 'Referral: service name',
  'referrals.*.notes': 'Referral: notes',
  'callback.required': 'Callback needed',
  'callback.dueAt': 'Callback due (London time)',
  'callback.phone': 'Number to call back on',
  'callback.reason': 'Reason for the callback',
  'callback.completedAt': 'Callback made',
  'consent.informationSharing': 'Consent to share information',
  'consent.notes': 'Consent: notes',
};

/** The words for a field's path; a referral's field ('referrals.2.notes') is numbered from 1 ("Referral 3: notes"). */
export function recordFieldLabel(path: string): string {
  const referral = /^referrals\.(\d+)\.(\w+)$/.exec(path);
  if (referral) {
    const label = RECORD_FIELD_LABELS[`referrals.*.${referral[2]}`] ?? referral[2]!;
    return label.replace(/^Referral/, `Referral ${Number(referral[1]) + 1}`);
  }
  return RECORD_FIELD_LABELS[path] ?? path;
}
