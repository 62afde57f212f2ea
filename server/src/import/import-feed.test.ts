import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSoundImport, importOptions, ORUK_FIXTURES, orukFixture, readOrukJson, reportLines } from '../../../test/support/oruk';
import type { RecordDefect } from './defects';
import { importFeed, type ImportResult } from './import-feed';
import type { JsonObject } from './json-values';
import { loadTabularDirectory } from './load-tabular-directory';
import { NO_HOURS_ALERT } from './map-service';

const opts = importOptions();

/** Everything in the fixtures that could be handed to the importer: each JSON file, each folder with CSV tables. */
function fixtureInputs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const names = readdirSync(dir);
    if (names.some((n) => n.endsWith('.csv'))) out.push(dir);
    for (const n of names) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json')) out.push(p);
    }
  };
  walk(ORUK_FIXTURES);
  return out.sort();
}

async function importPath(p: string): Promise<ImportResult> {
  return p.endsWith('.json') ? (await importFeed({ format: 'json-text', text: readFileSync(p, 'utf8') }, opts)) : (await importFeed({ format: 'tabular', package: await loadTabularDirectory(p) }, opts));
}

const json = (...parts: string[]) => readOrukJson(...parts) as JsonObject;

/** Text as a stream of byte chunks of the given size, as a file or an upload arrives. */
async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
type Defect = RecordDefect & { recordId: string | null; recordName: string | null };
/** Every record's defects, each with the record's feed id and name. */
const defectsOf = (r: ImportResult): Defect[] => r.records.flatMap((rec) => rec.defects.map((d) => ({ recordId: rec.feedId, recordName: rec.name, ...d })));
const reasons = (defects: Defect[], severity?: RecordDefect['severity']) => defects.filter((d) => !severity || d.severity === severity).map((d) => d.reason);

describe('every ORUK/HSDS sample file', () => {
  const inputs = fixtureInputs();

  it('finds the sample files', async () => {
    expect(inputs.length).toBeGreaterThanOrEqual(18);
  });

  it.each(inputs.map((p) => [path.relative(ORUK_FIXTURES, p)]))('%s imports without crashing and reports every defect with its record', async (rel) => {
    const r = await importPath(path.join(ORUK_FIXTURES, rel));
    expectSoundImport(r);
    // Something was either published or explained, and every record says where in the feed it was.
    expect(r.services.length + defectsOf(r).length + r.problems.length).toBeGreaterThan(0);
    for (const rec of r.records) expect(rec.place).toMatch(/^(item \d+|[\w.]+\.csv row \d+)$/);
  });
});

describe('HSDS 3.0 service_full example', () => {
  let result: ImportResult;
  let service: ImportResult['services'][number];
  beforeAll(async () => {
    result = await importFeed({ format: 'json', document: json('hsds3-spec', 'service_full.json') }, opts);
    service = result.services[0]!;
  });

  it('imports the service with its organisation, contact details and ages', async () => {
    expect(result.counts).toEqual({ records: 1, imported: 1, repaired: 0, leftOut: 0, duplicates: 0 });
    expect(service.id).toBe('test:ac148810-d857-441c-9679-408f346de14b');
    expect(service.name).toBe('Community Counselling');
    expect(service.organisation).toEqual({ id: 'test:d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610', name: 'Example Organization Inc.', url: 'http://example.com' });
    expect(service.type).toBe('talking_therapies');
    expect(service.status).toBe('active');
    expect([service.ageMin, service.ageMax]).toEqual([12, 100]);
    expect(service.url).toBe('http://example.com/counselling');
    expect(service.email).toBe('email@example.com');
    expect(service.referral.routes).toEqual(['self', 'gp']);
    expect(service.referral.how).toMatch(/^If you are an NHS patient please ask your GP/);
    expect(service.lastVerified).toBe('2005-01-01');
  });

  it('publishes its one phone number once, in the national form a UK desk dials, with the extension', async () => {
    expect(service.phones).toEqual([{ number: '01234 234567', type: 'public', label: expect.stringMatching(/^ext\. 100 — Our main reception phone number/) }]);
  });

  it('leaves out the site at latitude 100 with no UK postcode, and says why', async () => {
    expect(service.locations).toEqual([]);
    expect(reasons(defectsOf(result), 'warning')).toEqual(
      expect.arrayContaining([expect.stringMatching(/“ABC 1234” is not a UK postcode/), expect.stringMatching(/\(100, 101\) that are not a position on Earth and no known postcode/)]),
    );
  });

  it('does not invent hours from a schedule that ended in 2005: never shown open, with an alert', async () => {
    expect(service.schedule).toMatchObject({ alwaysOpen: false, weekly: [], exceptions: [], bankHolidays: 'closed' });
    expect(service.schedule.note).toMatch(/not available on public holidays/);
    expect(service.alert).toMatch(new RegExp(`^${NO_HOURS_ALERT}`));
    expect(reasons(defectsOf(result))).toContainEqual(expect.stringMatching(/published without hours, so it is never shown as open/));
  });

  it('reads the schedule itself as Thursday and Friday 10:00–18:00 once its dates and month-day limits are current', async () => {
    const doc = json('hsds3-spec', 'service_full.json');
    const [schedule] = doc.schedules as JsonObject[];
    const { valid_from: _a, valid_to: _b, until: _c, count: _d, byweekno: _e, bymonthday: _f, byyearday: _g, timezone: _h, ...current } = schedule!;
    const r = (await importFeed({ format: 'json', document: { ...doc, schedules: [current] } }, opts));
    expect(r.services[0]!.schedule).toMatchObject({ alwaysOpen: false, weekly: [{ days: [4, 5], opens: '10:00', closes: '18:00' }], bankHolidays: 'closed', exceptions: [] });
    expect(r.services[0]!.alert).not.toMatch(NO_HOURS_ALERT);
  });

  it('honours the schedule’s own time zone (HSDS timezone 3, i.e. UTC+03:00): 10:00–18:00 there is 07:00–15:00 in a London winter', async () => {
    const doc = json('hsds3-spec', 'service_full.json');
    const [schedule] = doc.schedules as JsonObject[];
    const { valid_from: _a, valid_to: _b, until: _c, count: _d, byweekno: _e, bymonthday: _f, byyearday: _g, ...current } = schedule!;
    const r = await importFeed({ format: 'json', document: { ...doc, schedules: [current] } }, importOptions({ horizonDays: 100 }));
    expect(r.services[0]!.schedule.weekly).toEqual([{ days: [4, 5], opens: '07:00', closes: '15:00' }]);
    expect(reportLines(r)).toContain('item 1 repaired schedules[0]: Schedule 48102e86-bb50-41c4-8f1e-e269368c41d1 gives its times in UTC+03:00; converted to London time day by day, so they move when either clock changes.');
  });

  it('places a site that has a real postcode but impossible coordinates at the postcode centroid (repaired)', async () => {
    const doc = json('hsds3-spec', 'service_full.json');
    const [sal] = doc.service_at_locations as JsonObject[];
    const location = { ...(sal!.location as JsonObject), addresses: [{ address_1: '1 Denmark Hill', city: 'London', postal_code: 'se58az', address_type: 'physical' }] };
    const r = (await importFeed({ format: 'json', document: { ...doc, service_at_locations: [{ ...sal, location }] } }, opts));
    const [site] = r.services[0]!.locations;
    expect(site).toMatchObject({ id: 'test:3a19ff88-4620-4d17-9830-ac1d859eb5d5', name: 'MyCity Civic Center', postcode: 'SE5 8AZ', address: '1 Denmark Hill, London, se58az' });
    expect(site!.lat).toBeCloseTo(51.47, 1);
    expect(site!.lon).toBeCloseTo(-0.09, 1);
    expect(defectsOf(r)).toContainEqual(expect.objectContaining({ field: 'locations[0]', severity: 'repaired', reason: expect.stringMatching(/placed at the centre of its postcode sector \(SE5 8AZ\)/) }));
  });
});

describe('HSDS 1.1 sample datapackage', () => {
  const load = async (asOf: string) => importFeed({ format: 'tabular', package: await loadTabularDirectory(orukFixture('hsds1.1-sample-datapackage')) }, importOptions({ asOf }));

  it('turns the weekday rows into weekly sessions and the holiday closure into a closed exception', async () => {
    const r = await load('2019-12-01');
    const helpline = r.services.find((s) => s.name === 'Never Homeless Helpline')!;
    expect(helpline.schedule).toEqual({
      alwaysOpen: false,
      weekly: [{ days: [1, 2, 3], opens: '09:00', closes: '17:00' }],
      bankHolidays: 'as_usual',
      exceptions: [{ from: '2019-12-24', to: '2019-12-26', sessions: [] }],
    });
  });

  it('drops holiday closures that are over by the import date, keeping the weekly hours', async () => {
    const r = await load('2026-11-02');
    const helpline = r.services.find((s) => s.name === 'Never Homeless Helpline')!;
    expect(helpline.schedule.weekly).toEqual([{ days: [1, 2, 3], opens: '09:00', closes: '17:00' }]);
    expect(helpline.schedule.exceptions).toEqual([]);
  });

  it('joins the organisation, the e-mail and the eligibility table ("adult" → 18+), and maps the helpline to voluntary support', async () => {
    const r = await load('2026-11-02');
    const helpline = r.services.find((s) => s.name === 'Never Homeless Helpline')!;
    expect(helpline).toMatchObject({
      id: 'test:c89eb05c-62dd-4b64-b494-0cc347b6ea7f',
      organisation: { id: 'test:1899600a-649c-11e6-8b77-86f30ca893d3', name: 'Sanctuary Example City', url: 'http://example.com' },
      type: 'voluntary_support',
      email: 'neverhomeless@example.com',
      ageMin: 18,
      ageMax: null,
      eligibility: 'adult',
    });
    expect(defectsOf(r)).toContainEqual(expect.objectContaining({ recordName: 'Never Homeless Helpline', field: 'eligibility', severity: 'repaired' }));
  });

  it('reports each of the other twelve services, none of which maps to a crisis service type', async () => {
    const r = await load('2026-11-02');
    expect(r.counts).toEqual({ records: 13, imported: 0, repaired: 1, leftOut: 12, duplicates: 0 });
    const unmapped = defectsOf(r).filter((d) => d.field === 'type' && d.severity === 'left_out');
    expect(unmapped.map((d) => d.recordName)).toEqual(expect.arrayContaining(['Yound Minds', 'Al-Anon Family Group', 'Bubbles at The Cross']));
    expect(unmapped).toHaveLength(12);
    expect(unmapped[0]!.reason).toMatch(/matches no rule of the taxonomy mapping.*Add a taxonomy mapping rule/);
  });

  const mapping = { rules: [{ match: { nameContains: 'at the cross' }, type: 'voluntary_support' as const }, { match: { nameContains: 'skills refresh' }, type: 'voluntary_support' as const }] };

  it('finds phones through the organisation and the site when the service has none of its own, with a warning', async () => {
    // The sample's numbers are American; the same rows with UK numbers.
    const pkg = await loadTabularDirectory(orukFixture('hsds1.1-sample-datapackage'));
    const phones = readFileSync(orukFixture('hsds1.1-sample-datapackage', 'phones.csv'), 'utf8')
      .replace('(0123) 4567 8900', '020 7946 0000')
      .replaceAll('(223) 346 12361', '0300 123 4567')
      .replace('(223) 4567 12534', '0800 123 4567')
      .replace('(773) 2351 2461', '07786 200400');
    const r = await importFeed({ format: 'tabular', package: { ...pkg, tables: { ...pkg.tables, 'phones.csv': phones } } }, importOptions({ mapping }));
    const byName = (n: string) => r.services.find((s) => s.name === n)!;
    expect(byName('Bubbles at The Cross').phones.map((p) => p.number)).toEqual(['0800 123 4567', '07786 200400']);
    expect(byName('Meals To-Go at The Cross').phones).toEqual([
      { number: '0300 123 4567', type: 'public', label: 'Example Cross Trust Support Line' },
      { number: '0300 123 4567', type: 'text', label: 'Example Cross Trust Support Line' },
    ]);
    expect(byName('Dear Teacher Skills Refresh').phones).toEqual([{ number: '020 7946 0000', type: 'public', label: 'ext. 42 — Roz Bernstein Main Office' }]);
    expect(byName('Dear Teacher Skills Refresh').description).toBe('The skills refresh offers teaching staff in Example City free refresher courses in\n• Digital Skills\n• Childhood Development\n• Languages: Spanish');
    expect(defectsOf(r)).toContainEqual(expect.objectContaining({ recordName: 'Meals To-Go at The Cross', field: 'phones', severity: 'warning', reason: expect.stringMatching(/organisation's number is shown/) }));
    expect(byName('Wash & Go at The Cross').status).toBe('temporarily_closed');
  });

  it('reports numbers no UK desk can dial, and does not publish a service without the number its feed gives', async () => {
    const r = await importFeed({ format: 'tabular', package: await loadTabularDirectory(orukFixture('hsds1.1-sample-datapackage')) }, importOptions({ mapping }));
    const bubbles = r.records.find((x) => x.name === 'Bubbles at The Cross')!;
    expect(bubbles.outcome).toBe('left_out');
    expect(bubbles.defects.filter((d) => d.field?.includes('phones'))).toEqual([
      { field: 'phones', severity: 'warning', reason: '“(223) 4567 12534” holds no dialable UK number; left out.' },
      { field: 'service_at_locations.phones', severity: 'warning', reason: '“(773) 2351 2461” holds no dialable UK number; left out.' },
      {
        field: 'phones',
        severity: 'left_out',
        reason: 'The feed gives 2 phone numbers (“(223) 4567 12534”, “(773) 2351 2461”) but no dialable number could be read from them; not published without it. Correct the number in the feed.',
      },
    ]);
  });
});

describe('HSDS 3.0 tabular example', () => {
  it('joins the CSV tables into the same service as the JSON example', async () => {
    const fromCsv = (await importFeed({ format: 'tabular', package: await loadTabularDirectory(orukFixture('hsds3-spec', 'csv')) }, opts)).services[0]!;
    const fromJson = (await importFeed({ format: 'json', document: json('hsds3-spec', 'service_full.json') }, opts)).services[0]!;
    expect(fromCsv).toEqual({ ...fromJson, keywords: [] }); // the CSV's attribute links to no service
  });
});

describe('the HSDS field guidance schedule example', () => {
  it('reads Monday–Thursday mornings and afternoons while they were valid, and leaves out the monthly Saturday', async () => {
    const doc = json('hsds3-spec', 'field-guidance-schedules', 'services.json');
    const [svc] = doc.services as JsonObject[];
    const r = (await importFeed({ format: 'json', document: { ...svc, phones: [{ number: '0300 123 4567' }] } }, importOptions({ asOf: '2020-06-01', horizonDays: 400 })));
    const { schedule } = r.services[0]!;
    expect(schedule.weekly).toEqual([
      { days: [1, 2, 3, 4], opens: '09:00', closes: '12:00' },
      { days: [1, 2, 3, 4], opens: '15:00', closes: '17:00' },
    ]);
    // The last published opening is Thursday 2020-12-17 (valid to the 20th): closed from then on.
    expect(schedule.exceptions.at(-1)).toEqual({ from: '2020-12-18', to: '9999-12-31', sessions: [], note: 'The published hours run out here.' });
    expect(defectsOf(r)).toContainEqual(expect.objectContaining({ field: 'schedules[2]', severity: 'warning', reason: expect.stringMatching(/repeats monthly/) }));
    expect(schedule.note).toMatch(/First Saturday of the month/);
  });

  it('the same example imported today has no current hours, and without a phone it cannot be reached: rejected with reasons', async () => {
    const r = (await importFeed({ format: 'json', document: json('hsds3-spec', 'field-guidance-schedules', 'services.json') }, opts));
    expect(r.services).toEqual([]);
    expect(reasons(defectsOf(r))).toEqual(expect.arrayContaining([expect.stringMatching(/ended on 2020-12-20/), expect.stringMatching(/no way to reach the service/)]));
  });
});

describe('the ORUK validator\u2019s failing example', () => {
  it('service_full.invalid.json is rejected, with the reasons', async () => {
    const r = (await importFeed({ format: 'json', document: json('oruk-validator-fail', 'service_full.invalid.json') }, opts));
    expect(r.services).toEqual([]);
    expect(r.counts).toEqual({ records: 1, imported: 0, repaired: 0, leftOut: 1, duplicates: 0 });
    const about = defectsOf(r).filter((d) => d.recordId === 'ac148810-d857-441c-9679-408f346de14b');
    expect(about.map((d) => [d.field, d.severity])).toEqual(
      expect.arrayContaining([
        ['url', 'warning'],
        ['email', 'warning'],
        ['locations[0]', 'warning'],
        [null, 'left_out'],
      ]),
    );
    expect(reasons(about)).toEqual(
      expect.arrayContaining([
        'url “example/counselling” is not a web address; left out.',
        'email “email-example_com” is not an e-mail address; left out.',
        'There is no way to reach the service: no usable phone number, e-mail address, web address or site; not imported.',
      ]),
    );
  });

  it('service_list.invalid.json: every record is rejected (no name; a duplicate id, with where its first copy was)', async () => {
    const r = await importFeed({ format: 'json', document: json('oruk-validator-fail', 'service_list.invalid.json') }, opts);
    expect(r.services).toEqual([]);
    expect(r.records.map((x) => [x.place, x.feedId, x.outcome, x.defects.filter((d) => d.severity === 'left_out').map((d) => d.field)])).toEqual([
      ['item 1', 'ac148810-d857-441c-9679-408f346de14b', 'left_out', ['name', 'type', null]],
      ['item 2', 'b644a0d2-9e8a-4c33-9390-ae9ee93fc056', 'left_out', ['name', 'type', null]],
      ['item 3', 'e85f5bb0-62f0-42cc-a08a-0c5c16273090', 'left_out', ['name', 'type', null]],
      ['item 4', 'ac148810-d857-441c-9679-408f346de14b', 'duplicate', ['id']],
    ]);
    expect(r.records[3]!.firstCopy).toEqual({ seq: 1, place: 'item 1' });
  });
});

describe('documents that are not service feeds', () => {
  it.each([
    ['oruk-feeds/V1_DashboardResponse.json', /dashboard of publishers \(11 feeds listed\), not a service feed/],
    ['hsds3-spec/organization_list.json', /list of organisations, not services/],
    ['hsds3-spec/taxonomy_term_list.json', /list of taxonomy terms, not services/],
    ['hsds3-spec/base.json', /root response/],
    ['hsds3-spec/openapi.json', /OpenAPI description/],
    ['hsds3-spec/csv/datapackage.json', /descriptor of a tabular data package/],
  ])('%s is reported as not a service feed, read or streamed', async (rel, reason) => {
    const text = readFileSync(orukFixture(rel), 'utf8');
    for (const r of [await importFeed({ format: 'json-text', text }, opts), await importFeed({ format: 'json-stream', stream: chunked(text, 100) }, opts)]) {
      expect(r.services).toEqual([]);
      expect(r.counts.records).toBe(0);
      expect(r.problems).toEqual([{ where: null, reason: expect.stringMatching(reason), partial: true }]);
      expect(r.complete).toBe(false);
    }
  });

  it('text that is not JSON is reported, not thrown', async () => {
    const r = await importFeed({ format: 'json-text', text: '{"contents": [' }, opts);
    expect(r.problems).toEqual([{ where: null, reason: 'The feed is not valid JSON; nothing was imported.', partial: true }]);
  });

  it('a folder with no services table says so', async () => {
    const r = await importFeed({ format: 'tabular', package: await loadTabularDirectory(orukFixture('oruk-uk-profile-3.0')) }, opts);
    expect(r.problems).toEqual([{ where: null, reason: expect.stringMatching(/No services table \(services\.csv\).*schedule\.csv/), partial: true }]);
  });
});

describe('list shapes', () => {
  it('groups a service_at_location list by service, each entry a site of it', async () => {
    const page = json('hsds3-spec', 'service_at_location_list.json');
    const [entry] = page.contents as JsonObject[];
    const second = { ...entry, id: 'sal-2', location: { id: 'loc-2', name: 'Camberwell', latitude: 51.474, longitude: -0.093 } };
    const r = (await importFeed({ format: 'json', document: { ...page, total_pages: 1, total_items: 2, last_page: true, contents: [entry, second] } }, opts));
    expect(r.counts.records).toBe(1);
    expect(r.complete).toBe(true);
    expect(r.services[0]!.locations).toEqual([{ id: 'test:loc-2', name: 'Camberwell', lat: 51.474, lon: -0.093 }]);
  });

  it('reads an ORUK v1 Spring page and the v1 record shape', async () => {
    const v1Service = {
      id: 42,
      name: 'Lambeth Crisis Café',
      description: '<p>Evening crisis support &amp; a safe space.</p>',
      status: 'active',
      url: 'www.example.org.uk/crisis-cafe',
      email: 'mailto:cafe@example.org.uk',
      attending_access: 'drop-in',
      organization: { id: 'org-7', name: 'Lambeth Mind', url: 'https://example.org.uk' },
      contacts: [{ id: 'c1', name: 'Reception', phones: [{ id: 'p1', number: '020 7946 0123' }] }],
      eligibilitys: [{ id: 'e1', eligibility: 'Adults', minimum_age: '18', maximum_age: '' }],
      regular_schedules: [
        { id: 'r1', weekday: 'Monday', opens_at: '18:00', closes_at: '23:00' },
        { id: 'r2', weekday: 'Friday', opens_at: '6pm', closes_at: '02:00' },
        { id: 'r3', weekday: 'Funday', opens_at: '18:00', closes_at: '23:00' },
      ],
      holiday_schedules: [{ id: 'h1', closed: true, start_date: '2026-12-24', end_date: '2026-12-27' }],
      service_areas: [{ id: 'a1', service_area: 'SE5, SE11, SW9' }],
      service_at_locations: [{ id: 's1', location: { id: 'l1', name: 'Café', latitude: '-0.11', longitude: '51.46', physical_addresses: [{ id: 'pa', address_1: '1 High St', postal_code: 'SW9 8XX' }] } }],
      service_taxonomys: [{ id: 't1', taxonomy: { id: 'x', name: 'Mental health', vocabulary: 'esdNeeds' } }],
    };
    const r = (await importFeed({ format: 'json', document: { totalElements: 1, totalPages: 1, number: 0, first: true, last: true, content: [v1Service] } }, opts));
    expectSoundImport(r);
    expect(r.services).toHaveLength(1);
    const s = r.services[0]!;
    expect(s).toMatchObject({
      id: 'test:42',
      name: 'Lambeth Crisis Café',
      description: 'Evening crisis support & a safe space.',
      type: 'crisis_cafe',
      url: 'https://www.example.org.uk/crisis-cafe',
      email: 'cafe@example.org.uk',
      ageMin: 18,
      ageMax: null,
      organisation: { id: 'test:org-7', name: 'Lambeth Mind', url: 'https://example.org.uk' },
      phones: [{ number: '020 7946 0123', type: 'public' }],
      coverage: { national: false, postcodes: ['SE5', 'SE11', 'SW9'] },
      keywords: ['Mental health'],
      referral: { routes: ['self'] },
    });
    expect(s.schedule.weekly).toEqual([
      { days: [1], opens: '18:00', closes: '23:00' },
      { days: [5], opens: '18:00', closes: '02:00' },
    ]);
    expect(s.schedule.exceptions).toEqual([{ from: '2026-12-24', to: '2026-12-27', sessions: [] }]);
    expect(s.locations).toEqual([{ id: 'test:l1', name: 'Café', address: '1 High St, SW9 8XX', postcode: 'SW9 8XX', lat: 51.46, lon: -0.11 }]);
    const fields = defectsOf(r).map((d) => `${d.severity} ${d.field}`);
    expect(fields).toEqual(
      expect.arrayContaining(['repaired description', 'repaired url', 'repaired schedules[1]', 'warning schedules[2]', 'repaired locations[0]']),
    );
  });
});
