import type { CallRecordContent } from '../domain/call-record';

/*
 * Test data: a call record with a distinctive, identifiable string in every free-text field (and
 * in a referral's service id and name), for tests proving that aggregates carry none of them.
 */

/** Distinctive strings that must never appear in an aggregate (shift summaries, exports). */
export function identifiableStrings() {
  const s = {
    name: 'Zebedee Quillfeather-Marchbanks',
    nhsNumber: '943 476 5919',
    phone: '07700 900461',
    callbackPhone: '+44 7700 900982',
    postcode: 'ZE2 9QX',
    aboutPerson: 'Ottoline Vanderbrook',
    dateOfBirth: '1987-02-13',
    summary: 'SUMMARY-heard-voices-at-Pemberley-Lodge',
    riskNotes: 'RISKNOTE-stockpiled-tablets-in-shed',
    formulation: 'FORMULATION-xylophone-ravine',
    safeguardingNotes: 'SAFEGUARD-note-grandchild-Peregrine',
    interventionNotes: 'INTERVENTION-note-kettle-lantern',
    outcomeNotes: 'OUTCOME-note-marmalade-orbit',
    referralNotes: 'REFERRAL-note-tangerine-quasar',
    referralServiceName: 'Quillfeather Family Home Visits',
    unlistedServiceId: 'svc-Zebedee-Quillfeather-home',
    callbackReason: 'CALLBACK-reason-velvet-harbour',
    consentNotes: 'CONSENT-note-cobalt-meadow',
    discardReason: 'DISCARD-reason-saffron-comet',
    addendum: 'ADDENDUM-text-juniper-lighthouse',
  };
  return { ...s, all: Object.values(s) };
}

export function fillWithSecrets(c: CallRecordContent, s: ReturnType<typeof identifiableStrings>): void {
  c.caller = { ...c.caller, name: s.name, nhsNumber: s.nhsNumber, phone: s.phone, postcode: s.postcode, aboutPerson: s.aboutPerson, dateOfBirth: s.dateOfBirth };
  c.presentingNeed = { categories: ['psychosis'], summary: s.summary };
  c.risk.toSelf = { status: 'present', indicators: ['plan'], notes: s.riskNotes };
  c.risk.toOthers = { status: 'none_identified', indicators: [], notes: s.riskNotes };
  c.risk.fromOthers = { status: 'none_identified', indicators: [], notes: s.riskNotes };
  c.risk.safeguarding = { status: 'present', childrenConcern: true, adultConcern: false, referralMade: true, notes: s.safeguardingNotes };
  c.risk.formulation = s.formulation;
  c.interventions = { items: ['referral_made'], notes: s.interventionNotes };
  c.outcome.notes = s.outcomeNotes;
  c.referrals = [
    { id: 'r1', serviceId: 'svc-crht', serviceName: s.referralServiceName, serviceType: 'crisis_resolution_home_treatment', serviceAgeMin: null, serviceAgeMax: null, method: 'referred', at: c.startedAt, notes: s.referralNotes },
    { id: 'r2', serviceId: s.unlistedServiceId, serviceName: s.referralServiceName, serviceType: 'voluntary_support', serviceAgeMin: null, serviceAgeMax: null, method: 'signposted', at: c.startedAt, notes: s.referralNotes },
    { id: 'r3', serviceId: s.nhsNumber, serviceName: s.name, serviceType: 'crisis_cafe', serviceAgeMin: null, serviceAgeMax: null, method: 'signposted', at: c.startedAt, notes: s.referralNotes },
  ];
  c.callback = { ...c.callback, phone: s.callbackPhone, reason: s.callbackReason };
  c.consent = { informationSharing: 'given', notes: s.consentNotes };
}
