import { describe, expect, it } from 'vitest';
import { SERVICE_TYPE_LABELS, SERVICE_TYPES } from '../../../shared/domain/service-types';
import { importOptions } from '../../../test/support/oruk';
import { importFeed } from './import-feed';
import { DEFAULT_TAXONOMY_MAPPING, serviceTypeFor, TaxonomyMapping, type TaxonomyTermRef } from './taxonomy-mapping';

const term = (name: string | null, vocabulary: string | null = null, code: string | null = null): TaxonomyTermRef => ({ name, vocabulary, code });
const typeOf = (name: string, terms: TaxonomyTermRef[] = [], mapping = DEFAULT_TAXONOMY_MAPPING) => serviceTypeFor({ name, terms }, mapping)?.type ?? null;

describe('DEFAULT_TAXONOMY_MAPPING', () => {
  it('is a valid mapping', () => {
    expect(() => TaxonomyMapping.parse(DEFAULT_TAXONOMY_MAPPING)).not.toThrow();
  });

  it('maps a term named like one of our types to that type', () => {
    for (const t of SERVICE_TYPES) expect(typeOf('Anything', [term(SERVICE_TYPE_LABELS[t])])).toBe(t);
  });

  it.each([
    ['Southwark Crisis Café', 'crisis_cafe'],
    ['Lambeth Crisis Cafe and Sanctuary', 'crisis_cafe'],
    ['Safe Haven (Croydon)', 'safe_haven'],
    ['The Sanctuary', 'sanctuary'],
    ['Drayton Park Women’s Crisis House', 'crisis_house'],
    ['Crisis Resolution and Home Treatment Team', 'crisis_resolution_home_treatment'],
    ['King’s A&E Psychiatric Liaison', 'liaison_psychiatry'],
    ['CAMHS crisis line', 'cyp_crisis'],
    ['Street Triage – Met Police', 'street_triage'],
    ['Samaritans', 'crisis_helpline'],
    ['24/7 Mental Health Crisis Line', 'crisis_helpline'],
    ['NHS Talking Therapies Southwark', 'talking_therapies'],
    ['IAPT self-referral', 'talking_therapies'],
    ['Community Counselling', 'talking_therapies'],
    ['Cruse Bereavement Support', 'bereavement_support'],
    ['Bereavement helpline', 'bereavement_support'],
    ['Drugs and Alcohol Helpline', 'substance_misuse'],
    ['Never Homeless Helpline', 'voluntary_support'],
    ['Peer Support Group', 'voluntary_support'],
  ])('maps the name “%s” to %s', (name, type) => {
    expect(typeOf(name)).toBe(type);
  });

  it.each([['Shop Assist'], ['Adaptation grants'], ['Family Liaison Officers'], ['Example City Summer Camp']])('maps no type for “%s”', (name) => {
    expect(typeOf(name)).toBeNull();
  });
});

describe('serviceTypeFor', () => {
  const mapping: TaxonomyMapping = {
    rules: [
      { match: { nameContains: 'crisis' }, type: 'crisis_helpline' },
      { match: { vocabulary: 'esdNeeds', term: 'Mental health' }, type: 'voluntary_support' },
      { match: { code: 'cafe-01' }, type: 'crisis_cafe' },
      { match: { term: 'Sanctuary', nameContains: 'night' }, type: 'sanctuary' },
    ],
  };

  it('tries the rules on taxonomy terms before the rules on names, each in table order', () => {
    expect(serviceTypeFor({ name: 'Crisis support', terms: [term('Mental health', 'esdNeeds')] }, mapping)).toEqual({ type: 'voluntary_support', rule: 1, via: 'term' });
    expect(serviceTypeFor({ name: 'Crisis support', terms: [] }, mapping)).toEqual({ type: 'crisis_helpline', rule: 0, via: 'name' });
  });

  it('needs every field a rule gives to match the same term, ignoring case, accents and spacing', () => {
    expect(typeOf('X', [term('MENTAL  health', 'ESDNEEDS')], mapping)).toBe('voluntary_support');
    expect(typeOf('X', [term('Mental health', 'Other vocabulary')], mapping)).toBeNull();
    expect(typeOf('X', [term('Mental health', null)], mapping)).toBeNull();
    expect(typeOf('X', [term(null, null, 'CAFE-01')], mapping)).toBe('crisis_cafe');
  });

  it('a term rule with nameContains also needs the name', () => {
    expect(typeOf('Night sanctuary', [term('Sanctuary')], mapping)).toBe('sanctuary');
    expect(typeOf('Day centre', [term('Sanctuary')], mapping)).toBeNull();
  });

  it('matches a name phrase only from the start of a word', () => {
    const m: TaxonomyMapping = { rules: [{ match: { nameContains: 'iapt' }, type: 'talking_therapies' }, { match: { nameContains: 'café' }, type: 'crisis_cafe' }] };
    expect(typeOf('Adaptation service', [], m)).toBeNull();
    expect(typeOf('IAPT North', [], m)).toBe('talking_therapies');
    expect(typeOf('Evening Cafe', [], m)).toBe('crisis_cafe');
  });
});

describe('TaxonomyMapping schema', () => {
  it('refuses a rule that matches on nothing, an unknown type, and empty text', () => {
    expect(TaxonomyMapping.safeParse({ rules: [{ match: {}, type: 'crisis_cafe' }] }).success).toBe(false);
    expect(TaxonomyMapping.safeParse({ rules: [{ match: { term: 'x' }, type: 'coffee_shop' }] }).success).toBe(false);
    expect(TaxonomyMapping.safeParse({ rules: [{ match: { term: '  ' }, type: 'crisis_cafe' }] }).success).toBe(false);
  });
});

describe('importing with a mapping', () => {
  const record = (name: string, terms: { name: string; vocabulary?: string }[]) => ({
    id: name.toLowerCase().replace(/\W+/g, '-'),
    name,
    status: 'active',
    phones: [{ number: '0300 123 4567' }],
    service_taxonomys: terms.map((t, i) => ({ id: `t${i}`, taxonomy: { id: `x${i}`, ...t } })),
  });

  it('publishes what maps and reports what does not, naming its terms so the admin can add a rule', async () => {
    const r = await importFeed(
      { format: 'records', records: [record('Evening support', [{ name: 'Crisis café', vocabulary: 'local' }]), record('Benefits advice', [{ name: 'Money', vocabulary: 'esdNeeds' }])] },
      importOptions(),
    );
    expect(r.services.map((s) => [s.name, s.type, s.keywords])).toEqual([['Evening support', 'crisis_cafe', ['Crisis café']]]);
    expect(r.records[1]).toMatchObject({ feedId: 'benefits-advice', name: 'Benefits advice', outcome: 'left_out' });
    expect(r.records[1]!.defects).toContainEqual({
      field: 'type',
      severity: 'left_out',
      reason: 'Neither its taxonomy terms (“esdNeeds: Money”) nor its name “Benefits advice” match any rule of the taxonomy mapping; its service type is unknown, so it was not imported. Add a taxonomy mapping rule for one of its terms or its name to import it.',
    });
  });

  it('an admin rule brings the reported service in', async () => {
    const mapping: TaxonomyMapping = { rules: [...DEFAULT_TAXONOMY_MAPPING.rules, { match: { vocabulary: 'esdNeeds', term: 'Money' }, type: 'voluntary_support' }] };
    const r = await importFeed({ format: 'records', records: [record('Benefits advice', [{ name: 'Money', vocabulary: 'esdNeeds' }])] }, importOptions({ mapping }));
    expect(r.services.map((s) => s.type)).toEqual(['voluntary_support']);
  });
});
