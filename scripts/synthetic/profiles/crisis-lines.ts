import type { Phone } from '../../../shared/domain/directory';
import { freephone, landline, mobile } from '../phone-numbers';
import { ages, phone, routes, type TypeProfile } from '../profile-kit';
import { alwaysOpen, DAYS, outOfHours, session, weekly } from '../schedules';

const TEXT_WORDS = ['CALM', 'TALK', 'HELLO', 'SUPPORT', 'CRISIS'];

export const crisisHelpline: TypeProfile = {
  type: 'crisis_helpline',
  share: 8,
  variant: ({ rng, area }) => ({
    name: rng.pick([`${area} Crisis Line`, `${area} 24/7 Mental Health Crisis Line`, `${area} Mental Health Helpline`, `${area} Crisis Support Line`]),
  }),
  organisation: ({ rng, orgs, district, area }) => (rng.chance(0.7) ? orgs.trustFor(district) : orgs.charity('crisis', area, rng)),
  schedule: (rng) =>
    rng.weighted([
      [() => alwaysOpen(), 85],
      [() => outOfHours(), 10],
      [() => weekly([session(DAYS.all, '18:00', '02:00')], 'as_usual', 'Volunteer-run evening and night line.'), 5],
    ])(),
  ages: (rng) => rng.weighted([[ages(null, null), 70], [ages(18, null), 20], [ages(16, null), 10]]),
  referral: (rng) => ({
    routes: routes(rng, ['self'], [['crisis_line', 0.3], ['professional', 0.2]]),
    how: rng.pick([
      'Call at any time; no referral is needed.',
      'Anyone can call, including carers and professionals worried about someone.',
      'Call directly. People already under a mental health team should give their NHS number if they know it.',
    ]),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(rng.chance(0.8) ? freephone(rng) : landline(district, rng), 'public', 'Crisis line')];
    if (rng.chance(0.4)) list.push(phone(mobile(rng), 'text', `Text ${rng.pick(TEXT_WORDS)}`));
    if (rng.chance(0.3)) list.push(phone(landline(district, rng), 'professionals', 'Professionals line (not for public use)'));
    return list;
  },
  reach: (rng) => ({ sites: rng.chance(0.4) ? 1 : 0, districts: rng.int(6, 25) }),
  keywords: { always: ['crisis line', 'helpline'], some: ['phone support', 'urgent', 'out of hours', 'listening', 'suicidal thoughts', 'carers', '24/7'] },
  description: ({ rng, area }) =>
    rng.pick([
      `A telephone line for people of ${area} in mental health crisis, and for anyone worried about them. Calls are answered by mental health practitioners who can arrange an urgent assessment.`,
      `Urgent mental health support by phone for ${area}. Staff listen, help make a plan to stay safe, and can refer on to the crisis team, a safe haven or a crisis café.`,
    ]),
};

export const textSupport: TypeProfile = {
  type: 'text_support',
  share: 1.5,
  variant: ({ rng, area }) => ({ name: rng.pick([`Text ${area}`, `${area} Crisis Text Line`, `${area} Text Support Service`]) }),
  organisation: ({ rng, orgs, district, area }) => (rng.chance(0.5) ? orgs.trustFor(district) : orgs.charity('crisis', area, rng)),
  schedule: (rng) =>
    rng.weighted([
      [() => alwaysOpen(), 60],
      [() => weekly([session(DAYS.all, '16:00', '24:00')]), 25],
      [() => weekly([session(DAYS.all, '18:00', '02:00')]), 15],
    ])(),
  ages: (rng) => rng.weighted([[ages(13, null), 30], [ages(16, null), 30], [ages(null, null), 40]]),
  referral: (rng) => ({
    routes: ['self'],
    how: rng.pick([
      'Text the number to start a conversation; a trained volunteer replies within minutes.',
      'Send a text at any time in opening hours. It is free and will not show on most phone bills.',
    ]),
  }),
  phones: ({ rng, district }) => {
    const list: Phone[] = [phone(mobile(rng), 'text', `Text ${rng.pick(TEXT_WORDS)}`)];
    if (rng.chance(0.3)) list.push(phone(landline(district, rng), 'public', 'Information line (not for crisis support)'));
    return list;
  },
  reach: (rng) => ({ sites: 0, districts: rng.int(8, 30) }),
  keywords: { always: ['text', 'sms'], some: ['text support', 'messaging', 'silent', 'deaf', 'young people', 'anonymous'] },
  description: ({ area }) => `Crisis support by text message for people in ${area} who cannot or would rather not talk on the phone.`,
};
