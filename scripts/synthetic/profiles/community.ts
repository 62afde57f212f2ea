import type { Phone } from '../../../shared/domain/directory';
import { landline, localServiceNumber, mobile, ukWide } from '../phone-numbers';
import { ages, phone, routes, type TypeProfile } from '../profile-kit';
import { alwaysOpen, bankHolidayRule, DAYS, session, weekly } from '../schedules';

/** Daytime community services: therapies, voluntary-sector support, bereavement, drugs and alcohol. */

export const talkingTherapies: TypeProfile = {
  type: 'talking_therapies',
  share: 14,
  variant: ({ rng, area, place }) => ({
    name: rng.pick([`${area} Talking Therapies`, `Talking Therapies ${area}`, `${area} NHS Talking Therapies for Anxiety and Depression`, `${place} Talking Therapies Hub`, `Let's Talk ${area}`]),
  }),
  organisation: ({ rng, orgs, district, area }) => (rng.chance(0.8) ? orgs.trustFor(district) : orgs.charity('therapy', area, rng)),
  schedule: (rng) => {
    const bankHolidays = rng.chance(0.9) ? 'closed' : 'as_usual';
    return rng.weighted([
      [() => weekly([session(DAYS.weekdays, '09:00', '12:30'), session(DAYS.weekdays, '13:30', '17:00')], bankHolidays, 'Closed for lunch 12:30 to 13:30.'), 40],
      [() => weekly([session(DAYS.weekdays, '08:00', '20:00')], bankHolidays), 20],
      [() => weekly([session(DAYS.weekdays, '09:00', '17:00'), session(DAYS.tueThu, '17:00', '20:00')], bankHolidays, 'Evening appointments on Tuesdays and Thursdays.'), 25],
      [() => weekly([session(DAYS.weekdays, '09:00', '17:00'), session([6], '09:00', '13:00')], bankHolidays), 15],
    ])();
  },
  ages: (rng) => ages(rng.pick([16, 18]), null),
  referral: (rng) => ({
    routes: routes(rng, ['self', 'gp'], [['professional', 0.5]]),
    how: rng.pick(['Self-refer online or by phone; GP referral is also accepted.', 'Complete the online self-referral form, or ask your GP to refer you. Not an emergency service.']),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public', 'Self-referral and enquiries')];
    if (rng.chance(0.2)) list.push(phone(landline(district, rng), 'professionals', 'GP and professional referrals'));
    if (rng.chance(0.2)) list.push(phone(ukWide(rng), 'out_of_hours', 'Out of hours: crisis line'));
    return list;
  },
  reach: (rng) => ({ sites: rng.int(1, 3), districts: rng.int(5, 20) }),
  keywords: { always: ['talking therapies', 'counselling'], some: ['IAPT', 'CBT', 'anxiety', 'depression', 'low mood', 'self-referral', 'online therapy'] },
  description: ({ area }) =>
    `Free NHS psychological therapies for adults in ${area} with anxiety, depression and stress: guided self-help, CBT and counselling, in person, by phone or online.`,
};

export const voluntarySupport: TypeProfile = {
  type: 'voluntary_support',
  share: 16,
  variant: ({ rng, place }) =>
    rng.pick([
      () => ({ name: `${place} Peer Support Service` }),
      () => ({ name: `${place} Community Wellbeing Hub` }),
      () => ({ name: `${place} Listening Service`, keywords: ['listening'] }),
      () => ({ name: `${place} Men's Mental Health Group`, eligibility: 'Men aged 18 and over.', keywords: ['men'] }),
      () => ({ name: `${place} Recovery College`, keywords: ['courses', 'recovery'] }),
      () => ({ name: `${place} Hearing Voices Group`, keywords: ['hearing voices', 'psychosis'] }),
      () => ({ name: `${place} Carers' Support Service`, eligibility: 'Unpaid carers of people with mental health problems.', keywords: ['carers'] }),
      () => ({ name: `${place} Wellbeing Drop-In`, keywords: ['drop-in'] }),
      () => ({ name: `${place} LGBTQ+ Mental Health Support`, keywords: ['LGBTQ+', 'gay', 'trans'] }),
      () => ({ name: `${place} Suicide Prevention Service`, keywords: ['suicide prevention'] }),
    ])(),
  organisation: ({ rng, orgs, place }) => orgs.charity('wellbeing', place, rng),
  schedule: (rng) => {
    const bankHolidays = rng.chance(0.5) ? 'closed' : 'as_usual';
    return rng.weighted([
      [() => weekly([session(DAYS.monWedFri, '10:00', '16:00')], bankHolidays), 25],
      [() => weekly([session(DAYS.tueToSat, '11:00', '19:00')], bankHolidays), 20],
      [() => weekly([session(DAYS.all, '09:00', '21:00')], bankHolidays), 15],
      [() => weekly([session(DAYS.weekdays, '09:30', '16:30')], bankHolidays), 20],
      [() => weekly([session([rng.int(1, 5)], '18:30', '20:30')], 'closed', 'Group meets weekly; new members welcome.'), 10],
      [() => alwaysOpen(), 5],
      [() => weekly([session(DAYS.monToThu, '10:00', '14:00'), session(DAYS.monToThu, '17:00', '20:00')], bankHolidays), 5],
    ])();
  },
  ages: (rng) => rng.weighted([[ages(null, null), 40], [ages(18, null), 50], [ages(16, null), 10]]),
  referral: (rng) => ({
    routes: routes(rng, ['self'], [['professional', 0.4], ['gp', 0.2]]),
    how: rng.pick(['Drop in or call to self-refer; professionals can refer by email.', 'Call or email to arrange a first chat; no referral needed.', 'Just turn up, or phone if you would like someone to meet you.']),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public')];
    if (rng.chance(0.15)) list.push(phone(mobile(rng), 'text'));
    if (rng.chance(0.15)) list.push(phone(landline(district, rng), 'out_of_hours', 'Out-of-hours listening line'));
    return list;
  },
  reach: (rng) => ({ sites: rng.weighted([[1, 85], [2, 10], [0, 5]]), districts: rng.chance(0.4) ? rng.int(2, 10) : 0 }),
  keywords: { always: ['peer support', 'voluntary'], some: ['community', 'wellbeing', 'charity', 'groups', 'befriending', 'loneliness'] },
  description: ({ place }) =>
    `Local charity offering emotional and practical support in ${place}: one-to-one peer support, groups and help to find other services.`,
};

export const bereavementSupport: TypeProfile = {
  type: 'bereavement_support',
  share: 7,
  variant: ({ rng, place }) =>
    rng.weighted([
      [{ name: rng.pick([`${place} Bereavement Service`, `${place} Bereavement Counselling`]) }, 70],
      [{ name: `${place} Suicide Bereavement Support`, keywords: ['suicide bereavement'] }, 20],
      [{ name: `${place} Children's Bereavement Service`, ages: ages(5, 18), keywords: ['children'] }, 10],
    ]),
  organisation: ({ rng, orgs, place }) => orgs.charity('bereavement', place, rng),
  schedule: (rng) =>
    rng.weighted([
      [() => weekly([session(DAYS.weekdays, '09:00', '17:00')], 'closed'), 50],
      [() => weekly([session(DAYS.weekdays, '09:00', '17:00'), session(DAYS.monWed, '18:00', '21:00')], 'closed'), 30],
      [() => weekly([session(DAYS.tueThu, '10:00', '15:00')], 'closed'), 20],
    ])(),
  ages: (rng) => rng.weighted([[ages(null, null), 50], [ages(18, null), 50]]),
  referral: (rng) => ({
    routes: routes(rng, ['self', 'professional', 'gp']),
    how: 'Self-refer by phone or online; referrals from GPs, hospices and police family liaison officers are also accepted.',
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public')];
    if (rng.chance(0.15)) list.push(phone(ukWide(rng), 'out_of_hours', 'Out-of-hours listening line'));
    return list;
  },
  reach: (rng) => ({ sites: 1, districts: rng.chance(0.6) ? rng.int(3, 12) : 0 }),
  keywords: { always: ['bereavement', 'grief'], some: ['loss', 'counselling', 'support group', 'sudden death'] },
  description: ({ place }) => `Support for people in ${place} who have been bereaved: one-to-one counselling, groups and a listening ear.`,
};

export const substanceMisuse: TypeProfile = {
  type: 'substance_misuse',
  share: 6.5,
  variant: ({ rng, place, area }) =>
    rng.weighted([
      [{ name: rng.pick([`${area} Drug and Alcohol Service`, `${place} Recovery Hub`, `${place} Alcohol Support Service`, `${area} Community Drug and Alcohol Team`]) }, 85],
      [{ name: `${area} Young People's Drug and Alcohol Service`, ages: ages(11, 24), keywords: ['young people'] }, 15],
    ]),
  organisation: ({ rng, orgs, district, place }) => (rng.chance(0.4) ? orgs.trustFor(district) : orgs.charity('recovery', place, rng)),
  schedule: (rng) => {
    const bankHolidays = bankHolidayRule(rng, { closed: 0.8, shortHours: 0.1 }, ['10:00', '14:00']);
    return rng.weighted([
      [() => weekly([session([1, 2, 3, 5], '09:00', '17:00'), session([4], '09:00', '19:00')], bankHolidays, 'Late opening on Thursdays.'), 40],
      [() => weekly([session(DAYS.weekdays, '09:00', '17:00'), session([6], '10:00', '13:00')], bankHolidays), 30],
      [() => weekly([session(DAYS.weekdays, '08:30', '20:00')], bankHolidays), 30],
    ])();
  },
  ages: (rng) => rng.weighted([[ages(18, null), 85], [ages(16, null), 15]]),
  referral: (rng) => ({
    routes: routes(rng, ['self', 'professional', 'gp']),
    how: rng.pick(['Walk in to the hub or call to self-refer; GPs and probation can refer online.', 'Self-referral by phone or at a drop-in session; same-day naloxone and needle exchange.']),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public')];
    if (rng.chance(0.4)) list.push(phone(landline(district, rng), 'professionals', 'Professional referrals'));
    if (rng.chance(0.2)) list.push(phone(ukWide(rng), 'out_of_hours', 'Out of hours advice line'));
    return list;
  },
  reach: (rng) => ({ sites: rng.int(1, 2), districts: rng.chance(0.7) ? rng.int(5, 15) : 0 }),
  keywords: { always: ['drug', 'alcohol'], some: ['substance misuse', 'addiction', 'recovery', 'needle exchange', 'naloxone', 'detox'] },
  description: ({ area }) =>
    `Free, confidential treatment and recovery support for people in ${area} affected by drugs or alcohol, and for their families.`,
};
