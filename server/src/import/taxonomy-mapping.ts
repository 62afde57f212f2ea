import { SERVICE_TYPE_LABELS, SERVICE_TYPES, type ServiceType } from '../../../shared/domain/service-types';

/*
 * Which of our crisis service types an ORUK/HSDS service is, decided by a table the admin edits
 * (the server stores it; this module defines it and applies it).
 *
 * A rule matches on the service's taxonomy terms (`vocabulary`, `term` = the term's name, `code`:
 * every one given must equal the same term's, ignoring case, accents and spacing) and/or on the
 * service's name (`nameContains`: the phrase occurs in the name starting at a word boundary, so
 * "drug" matches "Drugs advice" but "iapt" does not match "adaptation"). Rules that look at terms
 * are tried first, in table order; only if none matches are name-only rules tried, in table order.
 * The first match gives the type. A service no rule matches is not published: it is reported so
 * the admin can add a rule.
 */

// The mapping's shape lives in shared/ so that the admin console edits exactly what the server stores.
import { TaxonomyMapping, TaxonomyRule } from '../../../shared/directory/taxonomy-schema';
export { TaxonomyMapping, TaxonomyRule };

export interface TaxonomyTermRef {
  name: string | null;
  code: string | null;
  vocabulary: string | null;
}

export interface TypeMatch {
  type: ServiceType;
  /** Index of the rule in the mapping. */
  rule: number;
  via: 'term' | 'name';
}

/** Lower case, accents off ("café" = "cafe"), "&" as "and", punctuation other than apostrophes as spaces. */
export function normaliseForMatch(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[’‘`]/g, "'")
    .replace(/[^a-z0-9']+/g, ' ')
    .trim();
}

const same = (want: string | undefined, have: string | null) => want === undefined || (have !== null && normaliseForMatch(want) === normaliseForMatch(have));

function nameContains(name: string, phrase: string): boolean {
  const n = ` ${normaliseForMatch(name)}`;
  const p = normaliseForMatch(phrase);
  return p.length > 0 && n.includes(` ${p}`);
}

const looksAtTerms = (r: TaxonomyRule) => r.match.vocabulary !== undefined || r.match.term !== undefined || r.match.code !== undefined;

export function serviceTypeFor(service: { name: string; terms: TaxonomyTermRef[] }, mapping: TaxonomyMapping): TypeMatch | null {
  const { rules } = mapping;
  for (let i = 0; i < rules.length; i++) {
    const { match, type } = rules[i]!;
    if (!looksAtTerms(rules[i]!)) continue;
    const termMatches = service.terms.some((t) => same(match.vocabulary, t.vocabulary) && same(match.term, t.name) && same(match.code, t.code));
    if (termMatches && (match.nameContains === undefined || nameContains(service.name, match.nameContains))) return { type, rule: i, via: 'term' };
  }
  for (let i = 0; i < rules.length; i++) {
    const { match, type } = rules[i]!;
    if (!looksAtTerms(rules[i]!) && match.nameContains !== undefined && nameContains(service.name, match.nameContains)) return { type, rule: i, via: 'name' };
  }
  return null;
}

const termRule = (term: string, type: ServiceType): TaxonomyRule => ({ match: { term }, type });
const nameRule = (nameContains: string, type: ServiceType): TaxonomyRule => ({ match: { nameContains }, type });

/**
 * A starting table for crisis care. Terms: our own type labels and the usual names for them. Names,
 * most specific first, so a "CAMHS crisis line" is children's crisis care, a "bereavement helpline"
 * bereavement support and a "drug and alcohol helpline" substance misuse, before the generic
 * helpline rules. A plain "helpline" is voluntary-sector support, not a crisis line: a housing or
 * debt helpline is not somewhere to send a caller in crisis, so only named crisis lines, mental
 * health helplines and Samaritans count as crisis helplines.
 */
export const DEFAULT_TAXONOMY_MAPPING: TaxonomyMapping = {
  rules: [
    ...SERVICE_TYPES.map((t) => termRule(SERVICE_TYPE_LABELS[t], t)),
    termRule('Crisis resolution and home treatment team', 'crisis_resolution_home_treatment'),
    termRule('Home treatment team', 'crisis_resolution_home_treatment'),
    termRule('Liaison psychiatry', 'liaison_psychiatry'),
    termRule('Psychiatric liaison', 'liaison_psychiatry'),
    termRule('Mental health crisis line', 'crisis_helpline'),
    termRule('Crisis line', 'crisis_helpline'),
    termRule('CAMHS', 'cyp_crisis'),
    termRule('IAPT', 'talking_therapies'),
    termRule('Counselling', 'talking_therapies'),
    termRule('Bereavement', 'bereavement_support'),
    termRule('Substance misuse', 'substance_misuse'),
    termRule('Drug and alcohol services', 'substance_misuse'),
    termRule('Peer support', 'voluntary_support'),

    nameRule('CAMHS', 'cyp_crisis'),
    nameRule("children and young people's crisis", 'cyp_crisis'),
    nameRule("young people's crisis", 'cyp_crisis'),
    nameRule('crisis cafe', 'crisis_cafe'),
    nameRule('safe haven', 'safe_haven'),
    nameRule('sanctuary', 'sanctuary'),
    nameRule('crisis house', 'crisis_house'),
    nameRule('home treatment', 'crisis_resolution_home_treatment'),
    nameRule('crisis resolution', 'crisis_resolution_home_treatment'),
    nameRule('liaison psychiatry', 'liaison_psychiatry'),
    nameRule('psychiatric liaison', 'liaison_psychiatry'),
    nameRule('mental health liaison', 'liaison_psychiatry'),
    nameRule('street triage', 'street_triage'),
    nameRule('bereavement', 'bereavement_support'),
    nameRule('bereaved', 'bereavement_support'),
    nameRule('drug', 'substance_misuse'),
    nameRule('alcohol', 'substance_misuse'),
    nameRule('substance', 'substance_misuse'),
    nameRule('text support', 'text_support'),
    nameRule('textline', 'text_support'),
    nameRule('text line', 'text_support'),
    nameRule('samaritans', 'crisis_helpline'),
    nameRule('crisis line', 'crisis_helpline'),
    nameRule('crisis helpline', 'crisis_helpline'),
    nameRule('crisisline', 'crisis_helpline'),
    nameRule('mental health helpline', 'crisis_helpline'),
    nameRule('talking therapies', 'talking_therapies'),
    nameRule('talking therapy', 'talking_therapies'),
    nameRule('IAPT', 'talking_therapies'),
    nameRule('psychological therapies', 'talking_therapies'),
    nameRule('counselling', 'talking_therapies'),
    nameRule('counseling', 'talking_therapies'),
    nameRule('helpline', 'voluntary_support'),
    nameRule('support line', 'voluntary_support'),
    nameRule('listening line', 'voluntary_support'),
    nameRule('peer support', 'voluntary_support'),
  ],
};
