import type { ServiceType } from '../../../shared/domain/service-types';
import type { TypeProfile } from '../profile-kit';
import { bereavementSupport, substanceMisuse, talkingTherapies, voluntarySupport } from './community';
import { crisisHelpline, textSupport } from './crisis-lines';
import { crisisCafe, crisisHouse, safeHaven, sanctuary } from './crisis-sites';
import { childrenAndYoungPeoplesCrisis, crisisResolutionHomeTreatment, liaisonPsychiatry, streetTriage } from './nhs-teams';

/** One profile per service type; their shares say how common each type is among local services. */
export const TYPE_PROFILES: readonly TypeProfile[] = [
  crisisHelpline, textSupport, crisisCafe, safeHaven, sanctuary, crisisHouse, crisisResolutionHomeTreatment,
  liaisonPsychiatry, childrenAndYoungPeoplesCrisis, streetTriage, talkingTherapies, voluntarySupport,
  bereavementSupport, substanceMisuse,
];

export const PROFILE_SHARES: readonly (readonly [TypeProfile, number])[] = TYPE_PROFILES.map((p) => [p, p.share] as const);

export function profileOf(type: ServiceType): TypeProfile {
  const p = TYPE_PROFILES.find((x) => x.type === type);
  if (!p) throw new Error(`No profile for ${type}`);
  return p;
}
