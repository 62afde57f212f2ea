import type { DirectoryService } from '../../shared/domain/directory';
import type { Geography } from './geography';
import { areaOf, LONDON_AREA_REGIONS, LONDON_AREAS, POST_TOWNS } from './place-names';
import { Random } from './random';

export type Organisation = DirectoryService['organisation'];

/** "Leeds and York Partnership" → "leeds-and-york-partnership" */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
    .replace(/-$/, '');
}

/** Every synthetic web address is under the reserved .example top-level domain. */
export function websiteOf(name: string): string {
  const short = name.replace(/ NHS (Foundation )?Trust$/, '');
  return `https://www.${slug(short)}.example`;
}

/** Kinds of voluntary-sector organisation, each with its own style of name. */
export type CharityKind = 'crisis' | 'wellbeing' | 'therapy' | 'bereavement' | 'recovery' | 'youth';

const CHARITY_NAMES: Record<CharityKind, ((place: string) => string)[]> = {
  crisis: [
    (p) => `${p} Crisis Alliance`,
    (p) => `${p} Sanctuary Trust`,
    (p) => `Open Door ${p}`,
    (p) => `${p} Survivor-Led Crisis Collective`,
    (p) => `${p} Mental Health Partnership CIC`,
  ],
  wellbeing: [
    (p) => `${p} Minds Together`,
    (p) => `Open Minds ${p}`,
    (p) => `${p} Wellbeing Collective`,
    (p) => `${p} Survivors' Network`,
    (p) => `${p} Listening Trust`,
    (p) => `${p} Community Mental Health Forum`,
  ],
  therapy: [(p) => `${p} Psychological Therapies CIC`, (p) => `${p} Counselling Partnership`, (p) => `${p} Wellbeing Collective`],
  bereavement: [(p) => `${p} Bereavement Care`, (p) => `${p} Bereavement Trust`, (p) => `Forget-Me-Not ${p}`],
  recovery: [(p) => `${p} Recovery Partnership`, (p) => `Turning Tide ${p}`, (p) => `${p} Drug and Alcohol Trust`],
  youth: [(p) => `${p} Youth Wellbeing Trust`, (p) => `Young Minds Matter ${p}`, (p) => `${p} Young People's Network`],
};

/**
 * Hands out organisations with stable ids ("org-00001", in order of first use). An NHS trust
 * serves each postcode area and its name depends only on the seed and the area, so every service
 * in the area gets the same trust whichever is generated first.
 */
export class OrganisationRegistry {
  private readonly byName = new Map<string, Organisation>();
  private readonly trustByArea = new Map<string, Organisation>();

  constructor(
    private readonly seed: number,
    private readonly geography: Geography,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  named(name: string): Organisation {
    let org = this.byName.get(name);
    if (!org) {
      org = { id: `org-${String(this.byName.size + 1).padStart(5, '0')}`, name, url: websiteOf(name) };
      this.byName.set(name, org);
    }
    return org;
  }

  /** The (fictional) NHS mental health trust serving a postcode district (one per postcode area). */
  trustFor(district: string): Organisation {
    const area = areaOf(district);
    let trust = this.trustByArea.get(area);
    if (!trust) {
      trust = this.named(this.trustName(area));
      this.trustByArea.set(area, trust);
    }
    return trust;
  }

  charity(kind: CharityKind, place: string, rng: Random): Organisation {
    return this.named(rng.pick(CHARITY_NAMES[kind])(place));
  }

  private trustName(area: string): string {
    let hash = 0;
    for (const ch of area) hash = Math.imul(hash, 31) + ch.charCodeAt(0);
    const rng = Random.stream(this.seed ^ 0x5eed, hash >>> 0);
    const authorities = this.geography.authoritiesOfArea(area);
    if (LONDON_AREAS.has(area)) {
      const region = LONDON_AREA_REGIONS[area]!;
      const [a, b] = authorities;
      return rng.pick([
        `${region} Mental Health NHS Trust`,
        `${region} Partnership NHS Foundation Trust`,
        a && b ? `${a} and ${b} Mental Health NHS Foundation Trust` : `${region} Mental Health NHS Foundation Trust`,
      ]);
    }
    const town = POST_TOWNS[area] ?? authorities[0] ?? area;
    // A second authority for "Town and Other …" names; one that already has "and" in it reads badly.
    const other = authorities.find((a) => !a.includes(town) && !town.includes(a) && !a.includes(' and '));
    const patterns = [`${town} Health and Care NHS Foundation Trust`, `${town} Community Partnership NHS Trust`];
    if (other) patterns.push(`${town} and ${other} NHS Foundation Trust`, `${town} and ${other} Partnership NHS Foundation Trust`, `${town} and ${other} Mental Health NHS Trust`);
    return rng.pick(patterns);
  }
}
