import type { Phone } from '../../shared/domain/directory';
import type { Schedule } from '../../shared/domain/schedule';
import type { ReferralRoute, ServiceType } from '../../shared/domain/service-types';
import { freephone, mobile, ukWide } from './phone-numbers';
import { ages, phone, type Ages } from './profile-kit';
import type { Random } from './random';
import { alwaysOpen, DAYS, session, weekly } from './schedules';

/** A fictional national service: the same for every seed apart from its phone numbers. */
export interface NationalService {
  name: string;
  organisation: string;
  type: ServiceType;
  description: string;
  schedule: Schedule;
  ages: Ages;
  eligibility?: string;
  routes: ReferralRoute[];
  how: string;
  phones: (rng: Random) => Phone[];
  keywords: string[];
}

const callFree = 'Call free at any time; no referral needed.';

export const NATIONAL_SERVICES: readonly NationalService[] = [
  {
    name: 'Still Here National Crisis Line', organisation: 'Still Here', type: 'crisis_helpline',
    description: 'A free, confidential listening line for anyone in England who is struggling to cope or having thoughts of suicide.',
    schedule: alwaysOpen(), ages: ages(null, null), routes: ['self'], how: callFree,
    phones: (rng) => [phone(freephone(rng), 'public'), phone(mobile(rng), 'text', 'Text STILL')],
    keywords: ['national', 'helpline', 'suicidal thoughts', 'listening', '24/7'],
  },
  {
    name: 'Calm Harbour Crisis Text Service', organisation: 'Calm Harbour', type: 'text_support',
    description: 'Round-the-clock crisis support by text message, answered by trained volunteers.',
    schedule: alwaysOpen(), ages: ages(13, null), routes: ['self'], how: 'Text HARBOUR to the number at any time; it is free on all major networks.',
    phones: (rng) => [phone(mobile(rng), 'text', 'Text HARBOUR')],
    keywords: ['national', 'text', 'sms', 'silent', '24/7'],
  },
  {
    name: 'Lantern Listening Line', organisation: 'The Lantern Trust', type: 'crisis_helpline',
    description: 'Volunteers offer a non-judgemental listening ear to anyone feeling low, lonely or in despair.',
    schedule: alwaysOpen(), ages: ages(null, null), routes: ['self'], how: callFree,
    phones: (rng) => [phone(freephone(rng), 'public')],
    keywords: ['national', 'listening', 'loneliness', 'helpline'],
  },
  {
    name: 'Northstar Student Crisis Line', organisation: 'Northstar Student Wellbeing', type: 'crisis_helpline',
    description: 'An evening and overnight line run by trained students for students at English colleges and universities.',
    schedule: weekly([session(DAYS.all, '18:00', '02:00')], 'as_usual'), ages: ages(16, null), eligibility: 'Students in further or higher education.',
    routes: ['self'], how: 'Call or text during opening hours; no referral needed.',
    phones: (rng) => [phone(ukWide(rng), 'public'), phone(mobile(rng), 'text', 'Text NORTHSTAR')],
    keywords: ['national', 'students', 'university', 'night', 'helpline'],
  },
  {
    name: "Kite Line for Young People", organisation: "Kite Young People's Trust", type: 'cyp_crisis',
    description: 'Crisis support by phone, text and web chat for children and young people, and advice for worried parents.',
    schedule: weekly([session(DAYS.all, '09:00', '24:00')], 'as_usual'), ages: ages(11, 18), routes: ['self', 'professional'],
    how: 'Young people can call or text directly; parents and teachers can call for advice.',
    phones: (rng) => [phone(freephone(rng), 'public'), phone(mobile(rng), 'text', 'Text KITE')],
    keywords: ['national', 'young people', 'children', 'parents', 'school', 'text'],
  },
  {
    name: 'Meadow National Bereavement Helpline', organisation: 'Meadow Bereavement Care', type: 'bereavement_support',
    description: 'Support and information for anyone grieving, by phone and through local groups.',
    schedule: weekly([session(DAYS.weekdays, '09:00', '17:00'), session(DAYS.monToThu, '18:00', '21:00')], 'closed'), ages: ages(null, null),
    routes: ['self', 'professional'], how: 'Call the helpline; we can also refer you to a local volunteer.',
    phones: (rng) => [phone(ukWide(rng), 'public')],
    keywords: ['national', 'bereavement', 'grief', 'loss'],
  },
  {
    name: 'Evergreen Line for Older People', organisation: 'Evergreen Friends', type: 'voluntary_support',
    description: 'Friendship, conversation and support for older people who feel lonely or low, day and night.',
    schedule: alwaysOpen(), ages: ages(55, null), routes: ['self'], how: callFree,
    phones: (rng) => [phone(freephone(rng), 'public')],
    keywords: ['national', 'older people', 'loneliness', 'befriending'],
  },
  {
    name: 'Prism LGBTQ+ Listening Line', organisation: 'Prism Switchboard', type: 'voluntary_support',
    description: 'A listening line run by LGBTQ+ volunteers for anyone exploring their sexuality or gender identity.',
    schedule: weekly([session(DAYS.all, '10:00', '22:00')], 'as_usual'), ages: ages(null, null), routes: ['self'],
    how: 'Call during opening hours; all volunteers identify as LGBTQ+.',
    phones: (rng) => [phone(ukWide(rng), 'public')],
    keywords: ['national', 'LGBTQ+', 'gay', 'trans', 'listening'],
  },
  {
    name: 'Harbourside National Drug and Alcohol Helpline', organisation: 'Harbourside Recovery', type: 'substance_misuse',
    description: 'Confidential advice about drugs and alcohol for users, families and friends, and help to find local treatment.',
    schedule: alwaysOpen(), ages: ages(null, null), routes: ['self'], how: callFree,
    phones: (rng) => [phone(freephone(rng), 'public'), phone(mobile(rng), 'text')],
    keywords: ['national', 'drug', 'alcohol', 'advice', '24/7'],
  },
  {
    name: 'Men Talking National Helpline', organisation: 'Men Talking', type: 'voluntary_support',
    description: 'An evening helpline for men who are down or in crisis, with a call-back service.',
    schedule: weekly([session(DAYS.all, '17:00', '24:00')], 'as_usual'), ages: ages(18, null), eligibility: 'Men aged 18 and over.',
    routes: ['self'], how: 'Call in the evening; if lines are busy, leave a number for a call back.',
    phones: (rng) => [phone(ukWide(rng), 'public')],
    keywords: ['national', 'men', 'helpline', 'evening'],
  },
  {
    name: 'Shoreline Crisis Text', organisation: 'Shoreline', type: 'text_support',
    description: 'Free 24/7 text support for anyone in crisis who would find it hard to talk.',
    schedule: alwaysOpen(), ages: ages(16, null), routes: ['self'], how: 'Text SHORE to the number at any time.',
    phones: (rng) => [phone(mobile(rng), 'text', 'Text SHORE')],
    keywords: ['national', 'text', 'sms', 'deaf', '24/7'],
  },
  {
    name: 'Afterwards Suicide Bereavement Line', organisation: 'Afterwards', type: 'bereavement_support',
    description: 'Support for people bereaved or affected by suicide, from trained volunteers who have been bereaved themselves.',
    schedule: weekly([session(DAYS.weekdays, '09:00', '21:00')], 'closed'), ages: ages(18, null), routes: ['self', 'professional', 'gp'],
    how: 'Call, or ask a professional to refer you for a call back.',
    phones: (rng) => [phone(ukWide(rng), 'public')],
    keywords: ['national', 'suicide bereavement', 'bereavement', 'grief'],
  },
];

/** National services are spread through the list (every 250th), so a directory's first services are the same at any size. */
export const NATIONAL_EVERY = 250;

export function nationalServiceAt(index: number): NationalService | undefined {
  return index % NATIONAL_EVERY === 0 ? NATIONAL_SERVICES[index / NATIONAL_EVERY] : undefined;
}
