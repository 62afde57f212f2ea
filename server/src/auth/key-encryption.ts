import { hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compactDecrypt, CompactEncrypt, type JWK } from 'jose';
import { createFileDurably } from '../../../electron/node/durable-file';
import type { ServerConfig } from '../config';

/*
 * The built-in identity provider's private signing keys are stored in the database only sealed:
 * a JWE (direct AES-256-GCM, jose) under a key that never enters the database. That key comes
 * from SIGNING_KEY_ENCRYPTION_KEY or the file named by SIGNING_KEY_ENCRYPTION_KEY_FILE, the same
 * on every API node. Several keys may be given (one a line, or separated by commas): the first
 * seals, the others only open, so the key can be changed without signing everybody out. With
 * DEMO=1 and neither set, the demo makes its own in DATA_DIR (0600) on first start.
 */

export interface SealingKey {
  /** Names the key in each sealed value's header (derived from it; says nothing about it). */
  id: string;
  key: Uint8Array;
}

export interface KeyEncryptionKeys {
  /** Seals new values; the rest only open older ones. */
  current: SealingKey;
  all: SealingKey[];
  /** Where the keys came from, for messages (never the keys). */
  source: string;
}

export const DEMO_SECRET_FILE = 'signing-key-encryption.key';
const MIN_SECRET_LENGTH = 32;
const GENERATE = 'openssl rand -base64 32';

export class KeyEncryptionError extends Error {}

function derive(secret: string, info: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, bytes));
}

/** The secrets in a variable's or file's text: one a line, or separated by commas. */
export function parseSecrets(text: string, source: string): KeyEncryptionKeys {
  const secrets = text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length === 0) throw new KeyEncryptionError(`${source} is empty: put a secret of at least ${MIN_SECRET_LENGTH} characters in it (\`${GENERATE}\`).`);
  const short = secrets.findIndex((s) => s.length < MIN_SECRET_LENGTH);
  if (short >= 0) throw new KeyEncryptionError(`${source}: secret ${short + 1} is shorter than ${MIN_SECRET_LENGTH} characters; make one with \`${GENERATE}\`.`);
  const all = secrets.map((s) => ({ id: derive(s, 'crisis-desk sealing key id v1', 8).toString('hex'), key: new Uint8Array(derive(s, 'crisis-desk signing key sealing v1', 32)) }));
  return { current: all[0]!, all, source };
}

function readSecretFile(file: string, warn?: (message: string) => void): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KeyEncryptionError(`SIGNING_KEY_ENCRYPTION_KEY_FILE ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  // Mounted secrets are often 0444 (Docker) or 0644: worth saying, not worth refusing to start.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) warn?.(`${file} can be read by other users of this machine: chmod 600 it.`);
  return text;
}

/**
 * The keys that seal the signing keys, from the configuration. Throws a KeyEncryptionError saying
 * what to set when there are none (the built-in provider cannot run without them).
 */
export function keyEncryptionKeys(config: ServerConfig, options: { warn?: (message: string) => void } = {}): KeyEncryptionKeys {
  const { SIGNING_KEY_ENCRYPTION_KEY: value, SIGNING_KEY_ENCRYPTION_KEY_FILE: file } = config;
  if (value && file) throw new KeyEncryptionError('Set SIGNING_KEY_ENCRYPTION_KEY or SIGNING_KEY_ENCRYPTION_KEY_FILE, not both.');
  if (value) return parseSecrets(value, 'SIGNING_KEY_ENCRYPTION_KEY');
  if (file) return parseSecrets(readSecretFile(file, options.warn), `SIGNING_KEY_ENCRYPTION_KEY_FILE ${file}`);
  if (config.DEMO === '1') return parseSecrets(demoSecret(config.DATA_DIR), `the demo’s ${path.join(config.DATA_DIR, DEMO_SECRET_FILE)}`);
  throw new KeyEncryptionError(
    'The built-in identity provider keeps its private signing key encrypted, under a key that is not in the database. ' +
      `Make one (\`${GENERATE} > /etc/crisis-desk/signing.key && chmod 600 /etc/crisis-desk/signing.key\`), give every API node the same one ` +
      'in SIGNING_KEY_ENCRYPTION_KEY_FILE (or SIGNING_KEY_ENCRYPTION_KEY), and start again; or set OIDC_ISSUER to use an external identity provider.',
  );
}

/** The demo's own secret in DATA_DIR, made once (0600; DATA_DIR itself is 0700). */
function demoSecret(dataDir: string): string {
  const file = path.join(dataDir, DEMO_SECRET_FILE);
  try {
    // Whole or not at all (a crash mid-write must not leave a short secret that refuses every start).
    createFileDurably(file, `${randomBytes(32).toString('base64url')}\n`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new KeyEncryptionError(`The demo could not write its signing-key secret ${file} (${(e as NodeJS.ErrnoException).code}).`);
  }
  return readFileSync(file, 'utf8');
}

/** Header naming the signing key a sealed value belongs to, so a sealed key cannot be passed off as another. */
const SIGNING_KID = 'sig_kid';

/** A private JWK sealed for storage. */
export async function sealPrivateJwk(keys: KeyEncryptionKeys, kid: string, jwk: JWK): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: keys.current.id, [SIGNING_KID]: kid })
    .encrypt(keys.current.key);
}

export type Opened = { jwk: JWK; sealedWithCurrent: boolean };

/** Opens a sealed private JWK; a KeyEncryptionError says which key it needs when none of ours does. */
export async function openPrivateJwk(keys: KeyEncryptionKeys, kid: string, sealed: string): Promise<Opened> {
  let header: { kid?: unknown; [SIGNING_KID]?: unknown };
  try {
    header = JSON.parse(Buffer.from(sealed.split('.')[0] ?? '', 'base64url').toString('utf8')) as typeof header;
  } catch {
    throw new KeyEncryptionError(`The sealed signing key ${kid} in the database is damaged.`);
  }
  const key = keys.all.find((k) => k.id === header.kid);
  if (!key) {
    throw new KeyEncryptionError(
      `The signing key ${kid} in the database was sealed with another SIGNING_KEY_ENCRYPTION_KEY (key id ${String(header.kid)}) than ${keys.source} gives (${keys.all.map((k) => k.id).join(', ')}). ` +
        'Give every API node the same key; to change it, list the new key first and the old one after it until every node has restarted. ' +
        'If the old key is lost, retire the signing key (UPDATE signing_key SET retired_at = now() WHERE retired_at IS NULL): a new one is made and everyone signs in again.',
    );
  }
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed, key.key);
    if (protectedHeader[SIGNING_KID] !== kid) throw new Error('sealed for another key');
    return { jwk: JSON.parse(new TextDecoder().decode(plaintext)) as JWK, sealedWithCurrent: key === keys.current };
  } catch {
    throw new KeyEncryptionError(`The sealed signing key ${kid} in the database does not open with its key: it was altered or damaged.`);
  }
}
