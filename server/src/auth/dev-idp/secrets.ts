import { createHash, randomBytes } from 'node:crypto';

/** An unguessable one-time secret (authorization code, refresh token). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** How secrets are stored: a lookup needs the secret itself, and the database alone yields none. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
