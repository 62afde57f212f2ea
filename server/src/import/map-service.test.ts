import { describe, expect, it } from 'vitest';
import { importOptions } from '../../../test/support/oruk';
import { importFeed } from './import-feed';
import type { JsonObject } from './json-values';
import { agesFromText } from './map-eligibility';
import { phoneTypeOf } from './map-phones';
import { referralRoutesOf } from './map-referral';
import { isNationalText } from './map-coverage';

/** A minimal publishable record (a crisis café with a phone and weekday hours), with overrides. */
function record(over: JsonObject = {}): JsonObject {
  return {
    id: 'svc-1',
    name: 'Camberwell Crisis Café',
    status: 'active',
    organization: { id: 'org-1', name: 'Southwark Mind' },
    phones: [{ id: 'p1', number: '020 7946 0000' }],
    schedules: [{ id: 's1', freq: 'WEEKLY', byday: 'MO,TU,WE,TH,FR', opens_at: '18:00', closes_at: '23:00' }],
    ...over,
  };
}

async function importOne(over: JsonObject = {}, options = importOptions()) {
  const r = await importFeed({ format: 'records', records: [record(over)] }, options);
  const defects = r.records[0]!.defects;
  return { ...r, defects, service: r.services[0], messages: defects.map((d) => `${d.severity} ${d.field ?? '-'}: ${d.reason}`) };
}

describe('mapping a record', () => {
  it('publishes a clean record with no defects', async () => {
    const { service, defects } = (await importOne());
    expect(defects).toEqual([]);
    expect(service).toMatchObject({ id: 'test:svc-1', type: 'crisis_cafe', status: 'active', ageMin: null, ageMax: null, referral: { routes: ['self'] }, lastVerified: null });
  });

  it.each([
    ['active', 'active'],
    [' Active ', 'active'],
    ['inactive', 'temporarily_closed'],
    ['temporarily closed', 'temporarily_closed'],
    ['Temporarily_Closed', 'temporarily_closed'],
    ['defunct', 'defunct'],
  ])('reads the status “%s” as %s', async (status, ours) => {
    expect((await importOne({ status })).service!.status).toBe(ours);
  });

  it('publishes a record without a status as active with a warning, and rejects a status it cannot read', async () => {
    expect((await importOne({ status: undefined })).messages).toEqual(['warning status: No status given; published as active.']);
    const { service, messages } = (await importOne({ status: 'maybe' }));
    expect(service).toBeUndefined();
    expect(messages).toEqual(['left_out status: Status “maybe” is not one of active, inactive, defunct or temporarily closed, so whether the service runs is unknown; not imported.']);
  });

  it('rejects records without an id or a name, and a second record with the same id, each with where it was', async () => {
    const r = await importFeed({ format: 'records', records: [record({ id: undefined }), record({ id: 'svc-0', name: '  ' }), record(), record({ name: 'Copy' }), 'text', null] }, importOptions());
    expect(r.counts).toEqual({ records: 6, imported: 1, repaired: 0, leftOut: 4, duplicates: 1 });
    expect(r.records.map((x) => [x.place, x.feedId, x.name, x.outcome, x.defects.map((d) => `${d.severity} ${d.field}`)])).toEqual([
      ['item 1', null, 'Camberwell Crisis Café', 'left_out', ['left_out id']],
      ['item 2', 'svc-0', null, 'left_out', ['left_out name', 'left_out type']],
      ['item 3', 'svc-1', 'Camberwell Crisis Café', 'imported', []],
      ['item 4', 'svc-1', 'Copy', 'duplicate', ['left_out id']],
      ['item 5', null, null, 'left_out', ['left_out null']],
      ['item 6', null, null, 'left_out', ['left_out null']],
    ]);
    expect(r.records[3]!.firstCopy).toEqual({ seq: 3, place: 'item 3' });
    expect(r.records[3]!.defects[0]!.reason).toBe('A second record with the id svc-1: the first is at item 3 (published); this copy was not imported.');
    expect(r.records[4]!.defects[0]!.reason).toBe('This item is text, not a service object; not imported.');
  });

  it('gives every reason a record is left out, not only the first', async () => {
    const { service, messages } = await importOne({ id: undefined, name: '', status: 'maybe', phones: [{ number: 'ask at reception' }], schedules: [] });
    expect(service).toBeUndefined();
    expect(messages.filter((m) => m.startsWith('left_out'))).toEqual([
      'left_out id: The record has no id, so later imports could not update or withdraw it; not imported.',
      'left_out name: The record has no name; not imported.',
      'left_out status: Status “maybe” is not one of active, inactive, defunct or temporarily closed, so whether the service runs is unknown; not imported.',
      expect.stringMatching(/^left_out type: It has no taxonomy terms/),
      expect.stringMatching(/^left_out phones: The feed gives a phone number \(“ask at reception”\) but no dialable number could be read from it/),
    ]);
  });

  it('accepts numeric ids and prefixes every id with the source', async () => {
    const { service } = (await importOne({ id: 17, organization: { id: 3, name: 'Trust' } }));
    expect(service!.id).toBe('test:17');
    expect(service!.organisation.id).toBe('test:3');
  });

  it('removes HTML and truncates overlong text, saying so', async () => {
    const { service, messages } = (await importOne({ description: `<p>Open <b>late</b> &amp; friendly</p>${'x'.repeat(6000)}`, name: 'N'.repeat(400) + ' crisis cafe' }));
    expect(service).toBeUndefined(); // the name is truncated before the type is read, so "crisis cafe" is cut off
    expect(messages).toEqual(expect.arrayContaining(['warning name: name was 412 characters long; shortened to 300.', 'repaired description: HTML markup removed from description.', expect.stringMatching(/^warning description: description was \d+ characters long; shortened to 5000\.$/)]));
  });

  it('drops values of the wrong type with a warning', async () => {
    const { service, messages } = (await importOne({ description: { text: 'x' }, email: false, url: 12345, minimum_age: 'twelve' }));
    expect(service).toMatchObject({ ageMin: null });
    expect(service!.description).toBeUndefined();
    expect(messages).toEqual(
      expect.arrayContaining([
        'warning description: description is an object, not text; ignored.',
        'warning email: email is true/false, not text; ignored.',
        'warning url: url “12345” is not a web address; left out.',
        'warning minimum_age: minimum_age “twelve” is not an age; ignored.',
      ]),
    );
  });

  it('repairs bare domains and drops invalid web and e-mail addresses', async () => {
    expect((await importOne({ url: 'www.example.org.uk' })).service!.url).toBe('https://www.example.org.uk');
    expect((await importOne({ url: 'javascript:alert(1)' })).service!.url).toBeUndefined();
    expect((await importOne({ email: 'MAILTO:help@example.org.uk' })).service!.email).toBe('help@example.org.uk');
    expect((await importOne({ email: 'help at example' })).messages).toEqual(['warning email: email “help at example” is not an e-mail address; left out.']);
  });

  it('takes the organisation from the service when the feed gives none', async () => {
    const { service, messages } = (await importOne({ organization: null }));
    expect(service!.organisation).toEqual({ id: 'test:organisation-of:svc-1', name: 'Camberwell Crisis Café' });
    expect(messages).toEqual(["repaired organization: No organisation name given; the service's own name is shown as its organisation."]);
  });

  it('reads lastVerified from assured_date, then last_modified, then metadata, ignoring dates in the future', async () => {
    expect((await importOne({ assured_date: '2026-05-01', last_modified: '2026-10-01T09:00:00Z' })).service!.lastVerified).toBe('2026-05-01');
    expect((await importOne({ last_modified: '2026-10-01T09:00:00Z' })).service!.lastVerified).toBe('2026-10-01');
    expect((await importOne({ metadata: [{ last_action_date: '2025-01-01' }, { last_action_date: '2026-02-01' }] })).service!.lastVerified).toBe('2026-02-01');
    const future = (await importOne({ assured_date: '2052-01-01' }));
    expect(future.service!.lastVerified).toBeNull();
    expect(future.messages).toEqual(['warning assured_date: assured_date 2052-01-01 is in the future; ignored, so the data is not shown as fresher than it is.']);
  });

  it('reports structural problems: a list that is not a list', async () => {
    const { service, messages } = (await importOne({ service_areas: 'Southwark' }));
    expect(service).toBeDefined();
    expect(messages).toEqual(['warning service_areas: service_areas should be a list but is text; ignored.']);
  });
});

describe('hours', () => {
  it('a service with no schedule is published never open, with an alert and a warning', async () => {
    const { service, messages } = (await importOne({ schedules: [], alert: 'New number from May.' }));
    expect(service!.schedule).toEqual({ alwaysOpen: false, weekly: [], bankHolidays: 'as_usual', exceptions: [], note: 'No current opening hours were published: check with the service before referring.' });
    expect(service!.alert).toBe('No current opening hours published: check with the service before referring. New number from May.');
    expect(messages).toEqual([expect.stringMatching(/^warning schedules: No opening hours are published; published without hours, so it is never shown as open/)]);
  });

  it('a schedule given only in words is kept as the note, and still never open', async () => {
    const { service } = (await importOne({ schedules: [{ id: 's', description: 'Usually evenings – ring first' }] }));
    expect(service!.schedule.weekly).toEqual([]);
    expect(service!.schedule.note).toBe('No current opening hours were published: check with the service before referring.\nUsually evenings – ring first');
  });

  it('publishes overnight hours (closing after midnight) as they are', async () => {
    const { service } = (await importOne({ schedules: [{ id: 's', byday: 'FR,SA', opens_at: '20:00', closes_at: '04:00' }] }));
    expect(service!.schedule.weekly).toEqual([{ days: [5, 6], opens: '20:00', closes: '04:00' }]);
  });
});

describe('phones', () => {
  it.each([
    ['text', '', 'text'],
    ['textphone', '', 'text'],
    ['voice', 'SMS only: text us on this number', 'text'],
    ['voice', 'For professionals only', 'professionals'],
    ['voice', 'Only for GPs and other referrers', 'professionals'],
    ['voice', 'Out of hours line', 'out_of_hours'],
    ['voice', 'Evenings and weekends', 'out_of_hours'],
    ['cell', 'Reception', 'public'],
  ])('type %s with “%s” → %s', async (type, description, ours) => {
    expect(phoneTypeOf(type, description)).toBe(ours);
  });

  it('leaves out fax numbers and unusable numbers, and publishes the rest once', async () => {
    const { service, messages } = (await importOne({
      phones: [{ number: '020 7946 0001', type: 'fax' }, { number: 'call reception' }, { number: '020 7946 0000' }, { number: '020-7946-0000' }, { number: '85258', type: 'text', description: 'Text SHOUT' }],
    }));
    expect(service!.phones).toEqual([{ number: '020 7946 0000', type: 'public' }, { number: '85258', type: 'text', label: 'Text SHOUT' }]);
    expect(messages).toEqual(['warning phones: A fax number is not offered to clinicians; left out.', 'warning phones: “call reception” holds no dialable UK number; left out.']);
  });

  it('publishes a service with no phone but a web address, with a warning', async () => {
    const { service, messages } = (await importOne({ phones: [], url: 'https://example.org.uk' }));
    expect(service!.phones).toEqual([]);
    expect(messages).toEqual(['warning phones: No usable phone number; published with its other contact details.']);
  });
});

describe('sites', () => {
  const site = (location: JsonObject) => ({ service_at_locations: [{ id: 'sal', location: { id: 'loc', name: 'Hub', ...location } }] });

  it('uses coordinates in the UK, given as numbers or text', async () => {
    expect((await importOne(site({ latitude: '51.4740', longitude: '-0.0930' }))).service!.locations).toEqual([{ id: 'test:loc', name: 'Hub', lat: 51.474, lon: -0.093 }]);
  });

  it('puts swapped latitude and longitude right', async () => {
    const { service, messages } = (await importOne(site({ latitude: -0.093, longitude: 51.474 })));
    expect(service!.locations[0]).toMatchObject({ lat: 51.474, lon: -0.093 });
    expect(messages).toEqual(['repaired locations[0]: Site loc had its latitude and longitude swapped; put right.']);
  });

  it('places a site with only a postcode at its sector centroid (repaired), and with only a district postcode nowhere', async () => {
    const { service, messages } = (await importOne(site({ addresses: [{ address_1: '1 Denmark Hill', postal_code: 'SE5 9RS', address_type: 'physical' }] })));
    expect(service!.locations[0]).toMatchObject({ postcode: 'SE5 9RS', address: '1 Denmark Hill, SE5 9RS' });
    expect(messages).toEqual(['repaired locations[0]: Site loc has no coordinates; placed at the centre of its postcode sector (SE5 9RS).']);
  });

  it('leaves out sites abroad, at 0,0 or without any position, and virtual locations silently', async () => {
    const { service, messages } = (await importOne({
      service_at_locations: [
        { id: 'a', location: { id: 'paris', latitude: 48.85, longitude: 2.35 } },
        { id: 'b', location: { id: 'null-island', latitude: 0, longitude: 0 } },
        { id: 'c', location: { id: 'nowhere', name: 'Somewhere' } },
        { id: 'd', location: { id: 'online', location_type: 'virtual' } },
      ],
    }));
    expect(service!.locations).toEqual([]);
    expect(messages).toEqual([
      'warning locations[0]: Site paris has coordinates (48.85, 2.35) outside the UK and no known postcode, so it cannot be placed on the map; left out.',
      'warning locations[1]: Site null-island has coordinates (0, 0) that are not a position on Earth and no known postcode, so it cannot be placed on the map; left out.',
      'warning locations[2]: Site nowhere has no coordinates and no known postcode, so it cannot be placed on the map; left out.',
    ]);
  });
});

describe('coverage', () => {
  it.each([
    ['England', true],
    ['the whole of the UK', true],
    ['National service', true],
    ['Nationwide', true],
    ['North East England', false],
    ['International callers', false],
    ['Southwark', false],
  ])('“%s” national → %s', async (text, national) => {
    expect(isNationalText(text)).toBe(national);
  });

  it('reads postcode districts and areas from a list, and districts from text that says postcode', async () => {
    expect((await importOne({ service_areas: [{ id: 'a', name: 'SE5, SE15, SE22 and BR' }] })).service!.coverage).toEqual({ national: false, postcodes: ['SE5', 'SE15', 'SE22', 'BR'], description: 'SE5, SE15, SE22 and BR' });
    expect((await importOne({ service_areas: [{ id: 'a', description: 'Residents of postcodes SE5 and SE15 only' }] })).service!.coverage.postcodes).toEqual(['SE5', 'SE15']);
  });

  it('never reads prose as postcodes', async () => {
    const { coverage } = (await importOne({ service_areas: [{ id: 'a', description: 'Anyone near the M6 or the A1 in Lancashire' }] })).service!;
    expect(coverage).toEqual({ national: false, postcodes: [], description: 'Anyone near the M6 or the A1 in Lancashire' });
  });
});

describe('ages and eligibility', () => {
  it.each([
    ['aged 16 and over', { ageMin: 16, ageMax: null }],
    ['18+', { ageMin: 18, ageMax: null }],
    ['Young people aged 11-18', { ageMin: 11, ageMax: 18 }],
    ['16 to 25 year olds', { ageMin: 16, ageMax: 25 }],
    ['Under 18s', { ageMin: null, ageMax: 17 }],
    ['over 65s', { ageMin: 65, ageMax: null }],
    ['Adults', { ageMin: 18, ageMax: null }],
    ['Adults and children', null],
    ['Anyone in Lambeth', null],
  ])('“%s” → %j', async (text, ages) => {
    expect(agesFromText(text)).toEqual(ages);
  });

  it('prefers the age fields, swaps a reversed range, and treats 999 as no upper limit', async () => {
    expect((await importOne({ minimum_age: 16, maximum_age: 999, eligibility_description: 'Under 18s' })).service).toMatchObject({ ageMin: 16, ageMax: null });
    const { service, messages } = (await importOne({ minimum_age: '65', maximum_age: '18' }));
    expect(service).toMatchObject({ ageMin: 18, ageMax: 65 });
    expect(messages).toEqual(['repaired maximum_age: The minimum age 65 is above the maximum age 18; the two were swapped.']);
  });

  it('takes the widest range across ORUK v1 eligibility records', async () => {
    const { service } = (await importOne({ eligibilitys: [{ eligibility: 'Young people', minimum_age: 14, maximum_age: 17 }, { eligibility: 'Young adults', minimum_age: 18, maximum_age: 25 }] }));
    expect(service).toMatchObject({ ageMin: 14, ageMax: 25, eligibility: 'Young people; Young adults' });
  });
});

describe('referral routes', () => {
  it.each([
    ['', '', ['self']],
    ['Please ask your GP for a referral letter, or ring reception', '', ['self', 'gp']],
    ['By referral only from the community mental health team or crisis team', '', ['crisis_line', 'professional']],
    ['We do not accept self-referrals. GPs can refer.', '', ['gp']],
    ['Referrals only', '', ['professional']],
    ['Just turn up', 'drop-in', ['self']],
    ['Please self-refer online', 'referral', ['self', 'professional']],
    ['', 'referral', ['professional']],
    ['Call NHS 111 and choose option 2', '', ['self', 'crisis_line']],
  ])('“%s” (%s) → %j', async (text, access, routes) => {
    expect(referralRoutesOf(text, access)).toEqual(routes);
  });

  it('keeps the publisher’s text as how to refer, or says there is none', async () => {
    expect((await importOne({ application_process: 'Walk in, no appointment needed.' })).service!.referral).toEqual({ routes: ['self'], how: 'Walk in, no appointment needed.' });
    expect((await importOne()).service!.referral.how).toBe('The publisher gives no referral process: contact the service to ask how to refer.');
  });
});
