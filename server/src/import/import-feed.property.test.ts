import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectSoundImport, importOptions, readOrukJson } from '../../../test/support/oruk';
import { importFeed, type FeedInput } from './import-feed';
import { isObject, type JsonObject } from './json-values';

/*
 * The importer must never throw because of what is in a feed: whatever arrives, every record
 * becomes a valid service or a defect with a reason (expectSoundImport).
 */

const options = importOptions();

async function importSafely(input: FeedInput) {
  const result = await importFeed(input, options);
  expectSoundImport(result);
  return result;
}

/** Every path in a JSON value: ['service_at_locations', 0, 'location', 'latitude'], … */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** A deep copy with the value at `path` replaced (or deleted when `value` is undefined). */
function withValueAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: unknown = Array.isArray(root) ? [...root] : isObject(root) ? { ...root } : root;
  if (!Array.isArray(copy) && !isObject(copy)) return copy;
  const [head, ...rest] = path;
  const container = copy as Record<string | number, unknown>;
  const next = withValueAt(container[head!], rest, value);
  if (next === undefined && !Array.isArray(copy)) delete container[head!];
  else container[head!] = next;
  return copy;
}

const serviceFull = readOrukJson('hsds3-spec', 'service_full.json') as JsonObject;
const v1Record: JsonObject = {
  id: 'v1',
  name: 'Crisis Line',
  status: 'active',
  contacts: [{ phones: [{ number: '0800 123 456' }] }],
  eligibilitys: [{ eligibility: 'adults', minimum_age: 18, maximum_age: 65 }],
  regular_schedules: [{ weekday: 'Monday', opens_at: '09:00', closes_at: '17:00', valid_from: '2026-01-01', valid_to: '2027-01-01' }],
  holiday_schedules: [{ closed: true, start_date: '2026-12-24', end_date: '2026-12-26' }],
  service_at_locations: [{ location: { id: 'l', latitude: 51.47, longitude: -0.09, physical_addresses: [{ postal_code: 'SE5 8AZ' }] } }],
  service_areas: [{ service_area: 'SE5, SE15' }],
  service_taxonomys: [{ taxonomy: { name: 'Crisis line', vocabulary: 'local' } }],
};
const mutation = (sample: unknown) => fc.tuple(fc.constantFrom(...pathsOf(sample)), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)));

describe('the importer never throws on feed content', () => {
  it('any JSON value as a document', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (document) => {
      await importSafely({ format: 'json', document });
    }), { numRuns: 500 });
  });

  it('any JSON text streamed in chunks of any size reads exactly as the whole text', async () => {
    const chunks = (text: string, sizes: number[]) =>
      (async function* () {
        const bytes = Buffer.from(text, 'utf8');
        for (let i = 0, k = 0; i < bytes.length; k++) {
          const size = sizes[k % sizes.length]!;
          yield bytes.subarray(i, i + size);
          i += size;
        }
      })();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 5 }), fc.constant(JSON.stringify({ contents: [serviceFull, v1Record, serviceFull], total_pages: 1 }))), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }), async (text, sizes) => {
        const whole = await importSafely({ format: 'json-text', text });
        const streamed = await importSafely({ format: 'json-stream', stream: chunks(text, sizes) });
        expect(streamed.records).toEqual(whole.records);
        expect(streamed.complete).toBe(whole.complete);
      }),
      { numRuns: 300 },
    );
  });

  it('any text as a JSON feed', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (text) => {
      await importSafely({ format: 'json-text', text });
    }), { numRuns: 300 });
  });

  it('any JSON values as service records', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 5 }), async (records) => {
      await importSafely({ format: 'records', records });
    }), { numRuns: 300 });
  });

  it('service-shaped records with any values in the fields the importer reads', async () => {
    const keys = [
      'id', 'name', 'description', 'url', 'email', 'status', 'alert', 'application_process', 'attending_access', 'eligibility_description',
      'minimum_age', 'maximum_age', 'assured_date', 'last_modified', 'metadata', 'organization', 'phones', 'contacts', 'schedules',
      'regular_schedules', 'holiday_schedules', 'service_at_locations', 'locations', 'service_areas', 'eligibilitys', 'eligibility',
      'service_taxonomys', 'attributes', 'taxonomy_terms',
    ];
    const record = fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }));
    await fc.assert(fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 3 }), async (records) => {
      await importSafely({ format: 'json', document: { contents: records } });
    }), { numRuns: 500 });
  });

  it('the HSDS 3.0 service_full example with any of its values replaced or removed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(serviceFull), { minLength: 1, maxLength: 6 }), async (changes) => {
        const document = changes.reduce<unknown>((doc, [path, value]) => withValueAt(doc, path, value), serviceFull);
        await importSafely({ format: 'json', document });
      }),
      { numRuns: 500 },
    );
  });

  it('an ORUK v1 record with any of its values replaced or removed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(v1Record), { minLength: 1, maxLength: 4 }), async (changes) => {
        const record = changes.reduce<unknown>((doc, [path, value]) => withValueAt(doc, path, value), v1Record);
        await importSafely({ format: 'json', document: { content: [record, v1Record], totalPages: 1 } });
      }),
      { numRuns: 500 },
    );
  });

  it('any text in the tables of a tabular feed', async () => {
    const csv = fc.oneof(
      fc.string(),
      fc.array(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('s1', 'l1', 'MO,TU', '09:00', '25:00', 'true', '51.5')), { minLength: 1, maxLength: 6 }), { maxLength: 4 }).map((rows) =>
        rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\n'),
      ),
    );
    const header = (cols: string) => fc.option(csv, { nil: '' }).map((body) => `${cols}\n${body}`);
    await fc.assert(
      fc.asyncProperty(
        header('id,name,status,organization_id,minimum_age'),
        header('id,service_id,location_id'),
        header('id,name,latitude,longitude'),
        header('id,service_id,byday,weekday,opens_at,closes_at,valid_from,valid_to'),
        fc.option(fc.string(), { nil: undefined }),
        async (services, sal, locations, schedules, datapackage) => {
          await importSafely({
            format: 'tabular',
            package: { ...(datapackage !== undefined ? { datapackage } : {}), tables: { 'services.csv': services, 'service_at_location.csv': sal, 'locations.csv': locations, 'schedules.csv': schedules } },
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
