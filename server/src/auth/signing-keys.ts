import { importJWK, type JWK } from 'jose';
import type { Db } from '../db/db';
import { openPrivateJwk, sealPrivateJwk, type KeyEncryptionKeys } from './key-encryption';
import { generateSigningKey, type SigningKey } from './tokens';

/** The built-in identity provider's keys: the one it signs with, and every public key still trusted. */
export interface SigningKeys {
  active: SigningKey;
  publicJwks: JWK[];
}

interface KeyRow {
  kid: string;
  /** The private JWK sealed under the key-encryption key (key-encryption.ts); null for keys retired unsealed. */
  private_jwe: string | null;
  public_jwk: JWK;
  retired_at: Date | string | null;
}

/**
 * Loads the signing key from the database, creating it on first start, so tokens survive restarts
 * and every API node over the same database signs and verifies with the same key. The private
 * half is stored only sealed; one sealed under an older key-encryption key is sealed afresh under
 * the current one.
 */
export async function loadSigningKeys(db: Db, sealing: KeyEncryptionKeys): Promise<SigningKeys> {
  const { rows, privateJwk } = await db.transaction(async (tx) => {
    // Nodes starting together must agree on one key: the first creates it, the others wait and read it.
    await tx.query('SELECT pg_advisory_xact_lock(7302)');
    const existing = await tx.query<KeyRow>(
      "SELECT kid, private_jwe, public_jwk, retired_at FROM signing_key WHERE retired_at IS NULL OR retired_at > now() - interval '1 day' ORDER BY created_at DESC",
    );
    const current = existing.find((k) => k.retired_at === null && k.private_jwe !== null);
    if (current) {
      const opened = await openPrivateJwk(sealing, current.kid, current.private_jwe!);
      if (!opened.sealedWithCurrent) {
        await tx.query('UPDATE signing_key SET private_jwe = $2 WHERE kid = $1', [current.kid, await sealPrivateJwk(sealing, current.kid, opened.jwk)]);
      }
      return { rows: existing, privateJwk: opened.jwk };
    }
    const key = await generateSigningKey();
    await tx.query('INSERT INTO signing_key (kid, private_jwe, public_jwk) VALUES ($1, $2, $3)', [key.kid, await sealPrivateJwk(sealing, key.kid, key.privateJwk), key.publicJwk]);
    return { rows: [{ kid: key.kid, private_jwe: '', public_jwk: key.publicJwk, retired_at: null }, ...existing], privateJwk: key.privateJwk };
  });
  const current = rows.find((k) => k.retired_at === null && k.private_jwe !== null)!;
  return {
    active: { kid: current.kid, privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey, publicJwk: current.public_jwk },
    // A key retired within the last day still verifies the tokens it signed (they live minutes).
    publicJwks: rows.map((k) => k.public_jwk),
  };
}
