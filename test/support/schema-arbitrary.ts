import fc from 'fast-check';

/*
 * fast-check values shaped by a JSON Schema (as in /openapi.json): mostly what the schema asks for,
 * with a hostile value swapped in here and there, so requests get past the parser and the first
 * checks and reach the code behind them.
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
}

/** Strings that have broken parsers, queries and databases before. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../..', '%', '%00', '%E0%A4%A', '\u0000', 'a\u0000b', '\uFFFF', '\uD800', "' OR 1=1 --", '-1', '1e309', 'NaN', 'null', '[]', '{}', '__proto__', 'constructor', '2024-02-30T25:61:00Z', '0190a000-0000-7000-8000-000000000001'),
  fc.integer().map(String),
  fc.nat({ max: 5000 }).map((n) => 'x'.repeat(n)),
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 63), 1e308, -1e308, 0.5, true, false, null, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);

const URIS = ['http://127.0.0.1:9/feed', 'file:///etc/passwd', 'ftp://127.0.0.1/x', 'javascript:alert(1)', 'http://[::1]:9/', 'not a uri'];

export function schemaArbitrary(schema: JsonSchema, components: Record<string, JsonSchema> = {}, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: conforming(schema, components, depth) }, { weight: 1, arbitrary: hostileValue });
}

function conforming(schema: JsonSchema, components: Record<string, JsonSchema>, depth: number): fc.Arbitrary<unknown> {
  const next = (s: JsonSchema) => schemaArbitrary(s, components, depth + 1);
  if (schema.$ref) {
    const target = components[schema.$ref.replace(/^#\/components\/schemas\//, '')];
    return target && depth < 8 ? conforming(target, components, depth + 1) : hostileValue;
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map(next));
  if (schema.allOf && schema.allOf.length > 0) return conforming(schema.allOf[0]!, components, depth + 1);
  if (depth > 8) return fc.constant(null);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => conforming({ ...schema, type }, components, depth)));
  switch (types[0]) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      if (properties.length === 0) {
        const values = typeof schema.additionalProperties === 'object' ? next(schema.additionalProperties) : fc.jsonValue({ maxDepth: 1 });
        return fc.dictionary(fc.string({ maxLength: 12 }), values, { maxKeys: 4 });
      }
      const required = (schema.required ?? []).filter((k) => schema.properties?.[k]);
      return fc.record(Object.fromEntries(properties.map(([k, s]) => [k, next(s)])), { requiredKeys: required });
    }
    case 'array':
      return fc.array(schema.items ? next(schema.items) : hostileValue, { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.max(Math.min(schema.maxItems ?? 3, 3), Math.min(schema.minItems ?? 0, 3)) });
    case 'string':
      // NUL passes most string checks but no PostgreSQL text or jsonb column can hold it.
      return fc.oneof({ weight: 4, arbitrary: stringFor(schema) }, { weight: 1, arbitrary: stringFor(schema).map((v) => `${v.slice(0, 1)}\u0000${v.slice(1)}`) });
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -(2 ** 31), -(2 ** 31)), max: Math.min(schema.maximum ?? 2 ** 31, 2 ** 31) });
    case 'number':
      return fc.double({ min: Math.max(schema.minimum ?? -1e9, -1e9), max: Math.min(schema.maximum ?? 1e9, 1e9), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.uuid({ version: [4, 7] });
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.constantFrom(...URIS);
  }
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 200));
    } catch {
      // A pattern JavaScript cannot compile: fall through to plain strings.
    }
  }
  return fc.string({ minLength: Math.min(schema.minLength ?? 0, 40), maxLength: Math.max(Math.min(schema.maxLength ?? 40, 40), Math.min(schema.minLength ?? 0, 40)) });
}
