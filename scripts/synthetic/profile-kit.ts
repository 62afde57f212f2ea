import type { DirectoryService, Phone } from '../../shared/domain/directory';
import type { Schedule } from '../../shared/domain/schedule';
import { REFERRAL_ROUTES, type PhoneType, type ReferralRoute, type ServiceType } from '../../shared/domain/service-types';
import type { Organisation, OrganisationRegistry } from './organisations';
import type { Random } from './random';

/** What a profile knows about the service it is filling in. */
export interface ServiceContext {
  rng: Random;
  /** What a local site is known by: a neighbourhood, town or local authority ("Camberwell"). */
  place: string;
  /** The town (or London neighbourhood) the base is in, which hospitals are named after ("Harrogate"). */
  town: string;
  /** The local authority, which area-wide services are named after ("Southwark"). */
  area: string;
  /** The postcode district the service is based in ("SE5"). */
  district: string;
  orgs: OrganisationRegistry;
}

export interface Ages {
  min: number | null;
  max: number | null;
}

/** A named kind of service within a type; it may fix the ages, eligibility or extra keywords. */
export interface Variant {
  name: string;
  ages?: Ages;
  eligibility?: string;
  keywords?: string[];
  /** The name of the main site when the variant implies one (a hospital). */
  siteName?: string;
}

export interface Reach {
  /** Public sites or bases (0: phone or outreach only). */
  sites: number;
  /** Postcode districts covered around the base (0: no coverage area beyond the sites). */
  districts: number;
}

/** How one service type tends to look: its share of the directory and the shape of each field. */
export interface TypeProfile {
  type: ServiceType;
  /** Relative share of local services (the shares of all types add up to 100). */
  share: number;
  variant(ctx: ServiceContext): Variant;
  organisation(ctx: ServiceContext): Organisation;
  schedule(rng: Random): Schedule;
  ages(rng: Random): Ages;
  referral(rng: Random): DirectoryService['referral'];
  phones(ctx: ServiceContext, schedule: Schedule): Phone[];
  reach(rng: Random): Reach;
  /** Keywords every service of the type has, and a pool some of which each one has. */
  keywords: { always: readonly string[]; some: readonly string[] };
  description(ctx: ServiceContext, variant: Variant): string;
}

export const ages = (min: number | null, max: number | null): Ages => ({ min, max });

export function phone(number: string, type: PhoneType, label?: string): Phone {
  return label ? { number, type, label } : { number, type };
}

/** Referral routes in the canonical order (as directory.db gives them back), with optional extra routes each at its own odds. */
export function routes(rng: Random, always: ReferralRoute[], sometimes: [ReferralRoute, number][] = []): ReferralRoute[] {
  const set = new Set(always);
  for (const [route, p] of sometimes) if (rng.chance(p)) set.add(route);
  return REFERRAL_ROUTES.filter((r) => set.has(r));
}
