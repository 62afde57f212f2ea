import type { Phone } from '../../../shared/domain/directory';
import { landline, mobile, ukWide } from '../phone-numbers';
import { ages, phone, routes, type TypeProfile } from '../profile-kit';
import { alwaysOpen, DAYS, session, weekly } from '../schedules';
import { hospitalName } from '../sites';

/** Teams run by the mental health trust: mostly 24/7 and mostly by professional referral. */

export const crisisResolutionHomeTreatment: TypeProfile = {
  type: 'crisis_resolution_home_treatment',
  share: 6,
  variant: ({ rng, area }) => ({
    name: rng.pick([`${area} Crisis Resolution and Home Treatment Team`, `${area} Home Treatment Team`, `${area} Crisis Team`, `${area} Crisis Resolution Team`]),
  }),
  organisation: ({ orgs, district }) => orgs.trustFor(district),
  schedule: () => alwaysOpen(),
  ages: (rng) => rng.weighted([[ages(18, null), 85], [ages(18, 65), 10], [ages(16, null), 5]]),
  referral: (rng) => ({
    routes: routes(rng, ['crisis_line', 'professional', 'gp'], [['self', 0.25]]),
    how: rng.pick([
      'Referral by GP, A&E, the crisis line or a community mental health team; people already known to the team can call directly.',
      'Urgent referrals by phone from professionals and NHS 111 option 2; the team aims to assess within 4 hours.',
    ]),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(landline(district, rng), 'professionals', 'Referrals (professionals only)')];
    if (rng.chance(0.7)) list.push(phone(ukWide(rng), 'public', 'For people already under the team'));
    if (rng.chance(0.2)) list.push(phone(landline(district, rng), 'out_of_hours', 'Night co-ordinator'));
    return list;
  },
  reach: (rng) => ({ sites: rng.chance(0.6) ? 1 : 0, districts: rng.int(8, 30) }),
  keywords: { always: ['crisis team', 'home treatment'], some: ['CRHT', 'crisis resolution', '24/7', 'assessment', 'alternative to admission', 'gatekeeping'] },
  description: ({ area }) =>
    `Assesses adults in ${area} in acute mental health crisis and offers intensive support at home, with daily visits where needed, as an alternative to hospital.`,
};

export const liaisonPsychiatry: TypeProfile = {
  type: 'liaison_psychiatry',
  share: 5,
  variant: ({ rng, place, town }) => {
    const hospital = hospitalName(town, rng);
    return { name: rng.pick([`${hospital} Mental Health Liaison Team`, `${place} Psychiatric Liaison Service`, `${place} Liaison Psychiatry Service`]), siteName: hospital };
  },
  organisation: ({ orgs, district }) => orgs.trustFor(district),
  schedule: (rng) => (rng.chance(0.9) ? alwaysOpen() : weekly([session(DAYS.all, '08:00', '22:00')], 'as_usual', 'Overnight, the on-call psychiatrist covers the Emergency Department.')),
  ages: (rng) => rng.weighted([[ages(16, null), 50], [ages(18, null), 40], [ages(null, null), 10]]),
  referral: () => ({
    routes: ['professional'],
    how: 'Patients in the Emergency Department or on the wards are referred by hospital staff; anyone in crisis can attend A&E.',
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(landline(district, rng), 'professionals', 'Liaison team (bleep via switchboard)')];
    if (rng.chance(0.6)) list.push(phone(landline(district, rng), 'public', 'Hospital switchboard'));
    return list;
  },
  reach: () => ({ sites: 1, districts: 0 }),
  keywords: { always: ['liaison', 'A&E'], some: ['psychiatric liaison', 'emergency department', 'hospital', 'self-harm assessment', '24/7'] },
  description: ({ place }) =>
    `Mental health assessment and support for people attending the Emergency Department and hospital wards in ${place}, including after self-harm.`,
};

export const childrenAndYoungPeoplesCrisis: TypeProfile = {
  type: 'cyp_crisis',
  share: 6,
  variant: ({ rng, area }) => ({
    name: rng.pick([`${area} CAMHS Crisis Team`, `${area} Children and Young People's Crisis Service`, `${area} Young People's Crisis Line`, `${area} CAMHS Crisis and Home Treatment`]),
  }),
  organisation: ({ rng, orgs, district, area }) => (rng.chance(0.85) ? orgs.trustFor(district) : orgs.charity('youth', area, rng)),
  schedule: (rng) =>
    rng.weighted([
      [() => alwaysOpen(), 25],
      [() => weekly([session(DAYS.weekdays, '08:00', '20:00'), session(DAYS.weekend, '10:00', '18:00')], 'as_usual'), 45],
      [() => weekly([session(DAYS.weekdays, '09:00', '17:00')], 'closed', 'Out of hours, young people can use the all-age crisis line.'), 30],
    ])(),
  ages: (rng) => ages(rng.pick([null, 5, 11]), rng.pick([17, 18])),
  referral: (rng) => ({
    routes: routes(rng, ['professional', 'gp'], [['self', 0.6], ['crisis_line', 0.7]]),
    how: rng.pick([
      'Young people, parents and carers can call directly; professionals refer through the referrals line.',
      'Referral from GPs, schools, A&E and social care by phone; urgent cases are seen within 24 hours.',
    ]),
  }),
  phones: ({ rng, district }, schedule) => {
    const list: Phone[] = [phone(landline(district, rng), 'public')];
    if (rng.chance(0.6)) list.push(phone(landline(district, rng), 'professionals', 'Referrals line'));
    if (rng.chance(0.3)) list.push(phone(mobile(rng), 'text', 'Text support for young people'));
    if (!schedule.alwaysOpen && rng.chance(0.3)) list.push(phone(ukWide(rng), 'out_of_hours', 'Out of hours: all-age crisis line'));
    return list;
  },
  reach: (rng) => ({ sites: rng.chance(0.5) ? 1 : 0, districts: rng.int(6, 25) }),
  keywords: { always: ['CAMHS', 'young people'], some: ['children', 'teenagers', 'under 18', 'crisis', 'parents', 'carers', 'school'] },
  description: ({ area }) =>
    `Urgent assessment and short-term intensive support for children and young people in ${area} in mental health crisis, working with their families.`,
};

export const streetTriage: TypeProfile = {
  type: 'street_triage',
  share: 3,
  variant: ({ rng, area }) => ({ name: rng.pick([`${area} Street Triage`, `${area} Mental Health Street Triage Team`, `${area} Police and Mental Health Triage`]) }),
  organisation: ({ orgs, district }) => orgs.trustFor(district),
  schedule: (rng) =>
    rng.weighted([
      [() => weekly([session(DAYS.all, '16:00', '02:00')]), 50],
      [() => weekly([session(DAYS.thuToSat, '18:00', '04:00')]), 25],
      [() => weekly([session(DAYS.all, '12:00', '24:00')]), 25],
    ])(),
  ages: () => ages(null, null),
  referral: () => ({
    routes: ['professional'],
    how: 'Requested by police officers attending an incident, through the force control room; not for direct public contact.',
  }),
  phones: ({ rng, district }) => [phone(landline(district, rng), 'professionals', 'Police control room line')],
  reach: (rng) => ({ sites: 0, districts: rng.int(10, 30) }),
  keywords: { always: ['street triage', 'police'], some: ['section 136', 'mental health nurse', 'evenings', 'control room', 'ambulance'] },
  description: ({ area }) =>
    `Mental health nurses working alongside police officers in ${area} in the evenings, giving advice at incidents so people in crisis get care rather than custody.`,
};
