import type { Phone } from '../../../shared/domain/directory';
import { landline, localServiceNumber, mobile } from '../phone-numbers';
import { ages, phone, routes, type TypeProfile } from '../profile-kit';
import { alwaysOpen, bankHolidayRule, DAYS, session, weekly } from '../schedules';

/** Walk-in places open in the afternoon, evening or night: cafés, safe havens, sanctuaries. */

export const crisisCafe: TypeProfile = {
  type: 'crisis_cafe',
  share: 10,
  variant: ({ rng, place }) => ({
    name: rng.pick([`${place} Crisis Café`, `${place} Recovery Café`, `${place} Evening Crisis Café`, `The Cuppa Crisis Café, ${place}`, `${place} Community Crisis Café`]),
  }),
  organisation: ({ rng, orgs, district, place }) => (rng.chance(0.25) ? orgs.trustFor(district) : orgs.charity(rng.pick(['crisis', 'wellbeing'] as const), place, rng)),
  schedule: (rng) => {
    const bankHolidays = bankHolidayRule(rng, { closed: 0.3, shortHours: 0.15 });
    return rng.weighted([
      [() => weekly([session(DAYS.all, '18:00', '23:00')], bankHolidays), 40],
      [() => weekly([session(DAYS.friToSun, rng.pick(['17:00', '18:00']), rng.pick(['23:00', '24:00']))], bankHolidays), 25],
      [() => weekly([session(DAYS.weekdays, '16:00', '22:00'), session(DAYS.weekend, '12:00', '20:00')], bankHolidays), 20],
      [() => weekly([session(DAYS.monWedFri, '18:00', '22:00')], bankHolidays, 'Last entry 30 minutes before closing.'), 15],
    ])();
  },
  ages: (rng) => rng.weighted([[ages(18, null), 75], [ages(16, null), 20], [ages(null, null), 5]]),
  referral: (rng) => ({
    routes: routes(rng, ['self', 'crisis_line'], [['professional', 0.4]]),
    how: rng.pick([
      'Walk in during opening hours; no appointment or referral is needed.',
      'Drop in, or phone ahead so a peer worker can meet you at the door.',
      'Self-refer by phone on the day; NHS 111 option 2 can book a slot for a caller.',
    ]),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public')];
    if (rng.chance(0.3)) list.push(phone(mobile(rng), 'text', 'Text to let us know you are coming'));
    if (rng.chance(0.2)) list.push(phone(landline(district, rng), 'professionals', 'Referrals from professionals'));
    return list;
  },
  reach: (rng) => ({ sites: rng.chance(0.9) ? 1 : 2, districts: rng.chance(0.4) ? rng.int(3, 7) : 0 }),
  keywords: { always: ['crisis café', 'walk-in'], some: ['cafe', 'drop-in', 'evening', 'peer support', 'non-clinical', 'out of hours', 'weekend'] },
  description: ({ rng, place }) =>
    rng.pick([
      `A welcoming, non-clinical space in ${place} for adults in emotional distress, run by peer workers with lived experience. Open in the evening as an alternative to A&E.`,
      `Evening drop-in café where people in crisis can talk to trained staff over a hot drink, make a safety plan and be connected to other services.`,
    ]),
};

export const safeHaven: TypeProfile = {
  type: 'safe_haven',
  share: 8,
  variant: ({ rng, place }) => ({ name: rng.pick([`${place} Safe Haven`, `Safe Haven ${place}`, `${place} Evening Safe Haven`, `${place} Wellbeing Safe Haven`]) }),
  organisation: ({ rng, orgs, district, place }) => (rng.chance(0.5) ? orgs.trustFor(district) : orgs.charity('crisis', place, rng)),
  schedule: (rng) => {
    const bankHolidays = bankHolidayRule(rng, { closed: 0.15, shortHours: 0.15 }, ['14:00', '20:00']);
    return rng.weighted([
      [() => weekly([session(DAYS.all, '16:00', '22:00')], bankHolidays), 35],
      [() => weekly([session(DAYS.all, '14:00', '21:00')], bankHolidays), 20],
      [() => weekly([session(DAYS.weekdays, '17:00', '23:00'), session(DAYS.weekend, '12:00', '20:00')], bankHolidays), 25],
      [() => weekly([session(DAYS.all, '18:00', '24:00')], bankHolidays), 20],
    ])();
  },
  ages: (rng) => rng.weighted([[ages(18, null), 65], [ages(16, null), 25], [ages(null, null), 10]]),
  referral: (rng) => ({
    routes: routes(rng, ['self', 'crisis_line'], [['professional', 0.7]]),
    how: rng.pick([
      'Walk in, or phone first if you would like to be met; no referral is needed.',
      'Self-referral by phone or in person. Crisis line and A&E staff can refer directly.',
    ]),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public')];
    if (rng.chance(0.25)) list.push(phone(landline(district, rng), 'professionals', 'Professionals and referrers'));
    return list;
  },
  reach: (rng) => ({ sites: 1, districts: rng.chance(0.5) ? rng.int(3, 8) : 0 }),
  keywords: { always: ['safe haven', 'walk-in'], some: ['haven', 'drop-in', 'evening', 'afternoon', 'non-clinical', 'alternative to A&E'] },
  description: ({ place }) =>
    `An out-of-hours safe space in ${place} for people experiencing a mental health crisis, staffed by mental health workers and volunteers. Somewhere to go instead of A&E.`,
};

export const sanctuary: TypeProfile = {
  type: 'sanctuary',
  share: 5,
  variant: ({ rng, place }) => ({
    name: rng.pick([`${place} Sanctuary`, `${place} Night Sanctuary`, `${place} Out of Hours Sanctuary`, `${place} Survivor-Led Crisis Service`, `${place} Crisis Sanctuary`]),
  }),
  organisation: ({ rng, orgs, district, place }) => (rng.chance(0.25) ? orgs.trustFor(district) : orgs.charity('crisis', place, rng)),
  schedule: (rng) => {
    const bankHolidays = bankHolidayRule(rng, { closed: 0.15, shortHours: 0 });
    return rng.weighted([
      [() => weekly([session(DAYS.all, '20:00', '02:00')], bankHolidays), 35],
      [() => weekly([session(DAYS.all, '22:00', '06:00')], bankHolidays), 20],
      [() => weekly([session(DAYS.thuToSun, '20:00', '02:00')], bankHolidays), 20],
      [() => weekly([session(DAYS.all, '18:00', '02:00')], bankHolidays), 15],
      [() => weekly([session(DAYS.friSat, '22:00', '06:00')], bankHolidays, 'Weekend nights only.'), 10],
    ])();
  },
  ages: (rng) => rng.weighted([[ages(18, null), 85], [ages(16, null), 15]]),
  referral: (rng) =>
    rng.weighted([
      [{ routes: routes(rng, ['self', 'crisis_line']), how: 'Phone on the night to book a place; referrals from NHS 111 option 2 and crisis teams are also accepted.' }, 60],
      [{ routes: routes(rng, ['crisis_line', 'professional']), how: 'Referral through the crisis line or the home treatment team; the sanctuary calls the person back to arrange a visit.' }, 40],
    ]),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(localServiceNumber(district, rng), 'public', 'Sanctuary (evenings and nights)')];
    if (rng.chance(0.5)) list.push(phone(landline(district, rng), 'professionals', 'Referrals line'));
    if (rng.chance(0.3)) list.push(phone(mobile(rng), 'text'));
    return list;
  },
  reach: (rng) => ({ sites: 1, districts: rng.chance(0.7) ? rng.int(3, 12) : 0 }),
  keywords: { always: ['sanctuary', 'overnight'], some: ['night', 'out of hours', 'walk-in', 'safe space', 'alternative to A&E', 'survivor-led'] },
  description: ({ rng, place }) =>
    rng.pick([
      `An overnight sanctuary in ${place} offering a calm, safe space and emotional support to adults in crisis when other services are closed.`,
      `Survivor-led night-time crisis service: a place to stay for a few hours, talk things through with someone who has been there, and plan the next day.`,
    ]),
};

export const crisisHouse: TypeProfile = {
  type: 'crisis_house',
  share: 4,
  variant: ({ rng, place }) =>
    rng.weighted([
      [{ name: rng.pick([`${place} Crisis House`, `${place} Crisis Recovery House`, `${place} Short-Stay Crisis House`]) }, 85],
      [{ name: `${place} Women's Crisis House`, eligibility: 'Women aged 18 and over, including trans women.', keywords: ['women'] }, 15],
    ]),
  organisation: ({ rng, orgs, district, place }) => (rng.chance(0.5) ? orgs.trustFor(district) : orgs.charity('crisis', place, rng)),
  schedule: () => alwaysOpen(),
  ages: (rng) => rng.weighted([[ages(18, null), 70], [ages(18, 65), 30]]),
  referral: (rng) => ({
    routes: routes(rng, ['crisis_line', 'professional']),
    how: rng.pick([
      'Referral by the crisis resolution and home treatment team or NHS 111 option 2 only; call the professionals line to check bed availability.',
      'Professional referral only, after a crisis assessment. Stays are usually up to seven nights.',
    ]),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(landline(district, rng), 'professionals', 'Referrals and bed availability (professionals only)')];
    if (rng.chance(0.6)) list.push(phone(landline(district, rng), 'public', 'Office'));
    return list;
  },
  reach: (rng) => ({ sites: 1, districts: rng.int(5, 20) }),
  keywords: { always: ['crisis house', 'residential'], some: ['short stay', 'overnight stay', 'beds', 'alternative to admission', 'step down'] },
  description: ({ place }) =>
    `A small residential house in ${place} offering short stays with 24-hour staff support as an alternative to a hospital admission.`,
};
