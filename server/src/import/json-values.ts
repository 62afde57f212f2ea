/** Helpers for reading values of unknown shape (parsed JSON, CSV cells) without trusting them. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first of the named own properties that holds something other than null, undefined or ''. */
export function pick(o: JsonObject, ...names: string[]): unknown {
  for (const name of names) {
    if (!Object.hasOwn(o, name)) continue;
    const v = o[name];
    if (v !== null && v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** The objects in a list field; a lone object counts as a list of one, anything else as empty. */
export function objectsIn(value: unknown): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** All objects in the named list fields, in order. */
export function objectsFrom(o: JsonObject, ...names: string[]): JsonObject[] {
  return names.flatMap((n) => (Object.hasOwn(o, n) ? objectsIn(o[n]) : []));
}

/** "a number", "a list" …: for messages about a value of the wrong type. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'empty';
    default:
      return typeof value;
  }
}

/** A short, printable rendering of a feed value for a defect message. */
export function quote(value: unknown, max = 60): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  s = s.replace(/\s+/g, ' ').trim();
  return `“${s.length > max ? `${s.slice(0, max - 1)}…` : s}”`;
}
