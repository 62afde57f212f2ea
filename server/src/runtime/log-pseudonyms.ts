import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db/db';

/*
 * Request logs say who made each request without saying who they are: a keyed hash of the user id
 * (HMAC-SHA256, truncated), never a name or a token. The key is made once per deployment and kept
 * in PostgreSQL, so every API node gives a user the same pseudonym and logs can be followed across
 * nodes; user ids are guessable (`clinician.south`), so an unkeyed hash could be reversed by anyone
 * reading the logs, while with the key only someone with the database can tie a pseudonym to a person.
 */

const KEY_NAME = 'log-pseudonym-key';

export type Pseudonymise = (userId: string) => string;

export function pseudonymiser(key: Buffer): Pseudonymise {
  return (userId) => `u-${createHmac('sha256', key).update(userId, 'utf8').digest('base64url').slice(0, 16)}`;
}

/** The deployment's pseudonym key (made on first start by whichever node gets there first). */
export async function loadLogPseudonymiser(db: Db): Promise<Pseudonymise> {
  await db.query('INSERT INTO server_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [KEY_NAME, randomBytes(32).toString('hex')]);
  const [row] = await db.query<{ value: string }>('SELECT value FROM server_secret WHERE name = $1', [KEY_NAME]);
  return pseudonymiser(Buffer.from(row!.value, 'hex'));
}
