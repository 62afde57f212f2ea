/*
 * PostgreSQL cannot store a NUL character or half of a UTF-16 surrogate pair in text or jsonb;
 * JSON (and so a desk) can send both. Such a mutation is answered `rejected` with a reason rather
 * than failing the whole batch with a database error.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function unstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(unstorableText);
  if (value !== null && typeof value === 'object') return Object.values(value).some(unstorableText);
  return false;
}
