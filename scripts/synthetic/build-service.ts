import type { Coverage, DirectoryService, ServiceLocation } from '../../shared/domain/directory';
import type { Schedule, ScheduleException } from '../../shared/domain/schedule';
import { addDays } from './dates';
import type { Geography, SectorCentroid } from './geography';
import { lastVerified, serviceState } from './lifecycle';
import type { NationalService } from './national-services';
import { slug, type Organisation, type OrganisationRegistry } from './organisations';
import type { Ages, ServiceContext, TypeProfile, Variant } from './profile-kit';
import { PROFILE_SHARES } from './profiles';
import type { Random } from './random';
import { site } from './sites';

/** What every service needs besides its own randomness. */
export interface BuildEnvironment {
  geography: Geography;
  orgs: OrganisationRegistry;
  asOf: string;
}

const byFrom = (a: ScheduleException, b: ScheduleException) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0);

function withExceptions(schedule: Schedule, extra: ScheduleException[]): Schedule {
  if (extra.length === 0) return schedule;
  return { ...schedule, exceptions: [...schedule.exceptions, ...extra].sort(byFrom) };
}

/** The service's page on its organisation's (fictional, .example) website, and sometimes the organisation's email address. */
function webContacts(org: Organisation, name: string, rng: Random): Pick<DirectoryService, 'url' | 'email'> {
  const out: Pick<DirectoryService, 'url' | 'email'> = {};
  if (!org.url) return out;
  if (rng.chance(0.7)) out.url = `${org.url}/services/${slug(name)}`;
  if (rng.chance(0.5)) out.email = `${rng.pick(['enquiries', 'referrals', 'hello', 'info'])}@${org.url.replace(/^https:\/\/(www\.)?/, '')}`;
  return out;
}

function eligibilityText(variant: Variant, ages: Ages, rng: Random): string | undefined {
  if (variant.eligibility) return variant.eligibility;
  if (!rng.chance(0.5)) return undefined;
  if (ages.min !== null && ages.max !== null) return `People aged ${ages.min} to ${ages.max}.`;
  if (ages.max !== null) return `Children and young people up to their ${ages.max + 1}th birthday.`;
  if (ages.min !== null) return `People aged ${ages.min} and over.`;
  return 'Open to everyone.';
}

function keywordsOf(profile: TypeProfile, variant: Variant, rng: Random): string[] {
  const some = rng.sample(profile.keywords.some, rng.int(1, 3));
  return [...new Set([...profile.keywords.always, ...(variant.keywords ?? []), ...some])];
}

/** The service's sites: the first at its base sector, any others in neighbouring districts. */
function sitesOf(serviceNumber: string, count: number, base: SectorCentroid, variant: Variant, ctx: ServiceContext, env: BuildEnvironment): ServiceLocation[] {
  const out: ServiceLocation[] = [];
  for (let i = 0; i < count; i++) {
    const sector = i === 0 ? base : env.geography.sectorNear(base.district, ctx.rng);
    const place = i === 0 ? ctx.place : env.geography.localPlace(sector.district, ctx.rng);
    const name = i === 0 ? variant.siteName : undefined;
    out.push(site({ id: `loc-${serviceNumber}-${i + 1}`, sector, place, ...(name ? { name } : {}) }, ctx.rng));
  }
  return out;
}

function coverageOf(district: string, districts: number, hasSites: boolean, ctx: ServiceContext, env: BuildEnvironment): Coverage {
  if (districts === 0) return { national: false, postcodes: [] };
  const postcodes = env.geography.nearbyDistricts(district, districts).sort();
  const description = hasSites
    ? ctx.rng.pick([`Open to anyone living in ${ctx.area}`, `Mainly for people living in ${ctx.area} and nearby`])
    : ctx.rng.pick([`${ctx.area} and surrounding areas`, `People living in ${ctx.area}`, `People registered with a GP in ${ctx.area}`]);
  return { national: false, postcodes, description };
}

/** A local service of a type drawn by share, based at a sector drawn by population. */
export function buildLocalService(id: string, rng: Random, env: BuildEnvironment): DirectoryService {
  const profile = rng.weighted(PROFILE_SHARES);
  const sector = env.geography.sampleSector(rng);
  const g = env.geography;
  const ctx: ServiceContext = { rng, place: g.localPlace(sector.district, rng), town: g.townOf(sector.district), area: g.authorityOf(sector.district), district: sector.district, orgs: env.orgs };
  const variant = profile.variant(ctx);
  const organisation = profile.organisation(ctx);
  const schedule = profile.schedule(rng);
  const ages = variant.ages ?? profile.ages(rng);
  const referral = profile.referral(rng);
  const phones = profile.phones(ctx, schedule);
  const reach = profile.reach(rng);
  // Every local service must be findable by place: by its sites or by the districts it covers.
  const districts = reach.sites === 0 && reach.districts === 0 ? rng.int(1, 5) : reach.districts;
  const locations = sitesOf(id.replace(/^svc-/, ''), reach.sites, sector, variant, ctx, env);
  const coverage = coverageOf(sector.district, districts, locations.length > 0, ctx, env);
  const state = serviceState(schedule, env.asOf, rng);
  const eligibility = eligibilityText(variant, ages, rng);
  return {
    id,
    organisation,
    name: variant.name,
    description: profile.description(ctx, variant),
    type: profile.type,
    status: state.status,
    ...(state.alert ? { alert: state.alert } : {}),
    ...webContacts(organisation, variant.name, rng),
    ageMin: ages.min,
    ageMax: ages.max,
    ...(eligibility ? { eligibility } : {}),
    referral,
    phones,
    locations,
    coverage,
    schedule: withExceptions(schedule, state.exceptions),
    keywords: keywordsOf(profile, variant, rng),
    lastVerified: lastVerified(env.asOf, rng),
  };
}

/** One of the fixed national services, with this seed's phone numbers. */
export function buildNationalService(id: string, n: NationalService, rng: Random, env: BuildEnvironment): DirectoryService {
  const organisation = env.orgs.named(n.organisation);
  return {
    id,
    organisation,
    name: n.name,
    description: n.description,
    type: n.type,
    status: 'active',
    ...webContacts(organisation, n.name, rng),
    ageMin: n.ages.min,
    ageMax: n.ages.max,
    ...(n.eligibility ? { eligibility: n.eligibility } : {}),
    referral: { routes: [...n.routes], how: n.how },
    phones: n.phones(rng),
    locations: [],
    coverage: { national: true, postcodes: [], description: 'Anywhere in England' },
    schedule: structuredClone(n.schedule),
    keywords: [...n.keywords],
    lastVerified: addDays(env.asOf, -rng.int(0, 120)),
  };
}
