import { importJWK, type JWK } from 'jose';
import type { Db } from '../db/db';
import { generateSigningKey, type SigningKey } from './tokens';

/** The built-in identity provider's keys: the one it signs with, and every public key still trusted. */
export interface SigningKeys {
  active: SigningKey;
  publicJwks: JWK[];
}

interface KeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  retired_at: Date | string | null;
}

/**
 * Loads the signing key from the database, creating it on first start, so tokens survive restarts
 * and every API node over the same database signs and verifies with the same key.
 */
export async function loadSigningKeys(db: Db): Promise<SigningKeys> {
  const rows = await db.transaction(async (tx) => {
    // Nodes starting together must agree on one key: the first creates it, the others wait and read it.
    await tx.query('SELECT pg_advisory_xact_lock(7302)');
    const existing = await tx.query<KeyRow>(
      "SELECT kid, private_jwk, public_jwk, retired_at FROM signing_key WHERE retired_at IS NULL OR retired_at > now() - interval '1 day' ORDER BY created_at DESC",
    );
    if (existing.some((k) => k.retired_at === null)) return existing;
    const key = await generateSigningKey();
    await tx.query('INSERT INTO signing_key (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)', [key.kid, key.privateJwk, key.publicJwk]);
    return [{ kid: key.kid, private_jwk: key.privateJwk, public_jwk: key.publicJwk, retired_at: null }, ...existing];
  });
  const current = rows.find((k) => k.retired_at === null)!;
  return {
    active: { kid: current.kid, privateKey: (await importJWK(current.private_jwk, 'ES256')) as CryptoKey, publicJwk: current.public_jwk },
    // A key retired within the last day still verifies the tokens it signed (they live minutes).
    publicJwks: rows.map((k) => k.public_jwk),
  };
}
