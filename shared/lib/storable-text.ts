/*
 * PostgreSQL cannot store a NUL character or half of a UTF-16 surrogate pair in text or jsonb;
 * JSON (and so a desk) can send both. The server answers such a mutation `rejected` with a reason
 * rather than failing the whole batch with a database error, and the screen never saves one: a
 * pasted NUL or broken pair becomes U+FFFD (�) as it is typed, so one pasted character cannot keep
 * a whole draft from reaching the server.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export function unstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(unstorableText);
  if (value !== null && typeof value === 'object') return Object.values(value).some(unstorableText);
  return false;
}

/** The text with each character PostgreSQL cannot store replaced by U+FFFD. */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '\ufffd') : text;
}
