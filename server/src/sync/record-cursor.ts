import { HttpError } from '../app';

/*
 * The pull cursor: the change_seq of the last record a desk has received, wrapped so desks treat
 * it as opaque (the server may change what it holds without changing the protocol).
 */
const PREFIX = 'rc1:';

export function encodeRecordCursor(changeSeq: number): string {
  return Buffer.from(`${PREFIX}${changeSeq}`).toString('base64url');
}

/** The change_seq a cursor stands for; no cursor means from the beginning. */
export function decodeRecordCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const text = Buffer.from(cursor, 'base64url').toString();
  const n = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || encodeRecordCursor(n) !== cursor) {
    throw new HttpError(400, 'invalid_cursor', 'cursor: this is not a cursor this server gave out. Pull again without a cursor.');
  }
  return n;
}
