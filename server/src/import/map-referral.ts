import type { ReferralRoute } from '../../../shared/domain/service-types';
import { plainTextOf, readText } from './clean-text';
import type { RecordDefects } from './defects';
import type { FeedService } from './feed-model';

/*
 * Who can refer, read from application_process (and ORUK v1 attending_access) by keyword:
 *   gp            mentions a GP or general practitioner
 *   professional  mentions a professional, clinician, social worker, care coordinator or
 *                 mental health team, or attending_access is "referral"
 *   crisis_line   mentions a crisis line/team, NHS 111 or "111"
 *   self          the default, unless the text says referral only ("by referral only", "must be
 *                 referred", "no self-referrals") or attending_access is "referral" and the text
 *                 does not mention self-referral
 * `how` is the publisher's own text, which the clinician reads; the routes only filter searches.
 */

const GP = /\b(gps?|general practi(tioner|ce)s?|family doctor)\b/i;
const PROFESSIONAL = /\b(professionals?|clinicians?|social workers?|care co-?ordinators?|health visitors?|(community )?mental health teams?|cmht|key workers?|psychiatrists?)\b/i;
const CRISIS_LINE = /\b(crisis (line|team|service)s?|nhs 111|111)\b/i;
const SELF = /\bself[- ]?refer(ral|rals|ring)?\b|\brefer (your|them)sel(f|ves)\b|\bdrop[- ]?in\b|\bwalk[- ]?in\b/i;
const REFERRAL_ONLY = [
  /\b(by|on) referral only\b/i,
  /\breferrals? only\b/i,
  /\bmust be referred\b/i,
  /\b(needs?|requires?|must have) a referral\b/i,
  /\bno self[- ]?referrals?\b/i,
  /\b(cannot|can't|can not|unable to) (self[- ]?refer|refer (your|them)sel(f|ves))\b/i,
  /\bnot (accept|take)( any)? self[- ]?referrals?\b/i,
];

export const NO_REFERRAL_TEXT = 'The publisher gives no referral process: contact the service to ask how to refer.';

export function referralRoutesOf(text: string, attendingAccess: string): ReferralRoute[] {
  const referralOnly = REFERRAL_ONLY.some((re) => re.test(text));
  const mentionsSelf = SELF.test(text.replace(/\bno self[- ]?referrals?\b|\b(cannot|can't|can not|unable to) self[- ]?refer\b|\bnot (accept|take)( any)? self[- ]?referrals?\b/gi, ''));
  const access = attendingAccess.trim().toLowerCase();
  const routes = new Set<ReferralRoute>();
  if (!referralOnly && (mentionsSelf || access !== 'referral')) routes.add('self');
  if (GP.test(text)) routes.add('gp');
  if (PROFESSIONAL.test(text) || access === 'referral') routes.add('professional');
  if (CRISIS_LINE.test(text)) routes.add('crisis_line');
  // A referral-only service naming nobody who may refer: any professional, which includes us.
  if (routes.size === 0) routes.add('professional');
  return (['self', 'crisis_line', 'professional', 'gp'] as const).filter((r) => routes.has(r));
}

export function mapReferral(service: FeedService, d: RecordDefects): { routes: ReferralRoute[]; how: string } {
  const how = readText(service.applicationProcess, 'application_process', 2000, d);
  return { routes: referralRoutesOf(how ?? '', plainTextOf(service.attendingAccess)), how: how ?? NO_REFERRAL_TEXT };
}
