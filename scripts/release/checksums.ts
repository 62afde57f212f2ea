/*
 * SHA256SUMS of a release (the format `sha256sum -c` reads) and its detached OpenPGP signature
 * (SHA256SUMS.asc, made with gpg in a throwaway keyring). The key comes from the environment:
 *   CRISIS_DESK_GPG_KEY         an armoured secret key, or the path of a file holding one
 *   CRISIS_DESK_GPG_PASSPHRASE  its passphrase, when it has one (given to gpg through a file)
 * Anyone checks it with: gpg --verify SHA256SUMS.asc SHA256SUMS && sha256sum -c SHA256SUMS
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function fileDigest(file: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64' = 'hex'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

/** Writes dir/SHA256SUMS over the named files (names relative to dir), sorted. */
export async function writeSha256Sums(dir: string, names: string[]): Promise<string> {
  const lines: string[] = [];
  for (const name of [...names].sort()) lines.push(`${await fileDigest(path.join(dir, name), 'sha256')}  ${name}`);
  const file = path.join(dir, 'SHA256SUMS');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function gpg(home: string, args: string[], input?: string): { status: number; out: string } {
  const r = spawnSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--yes', ...args], { encoding: 'utf8', input });
  if (r.error) throw new Error('gpg could not run: install Debian’s gnupg (scripts/system-packages.sh).');
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

/** Signs `file` with the key from the environment into `file.asc`; false when no key is set. Returns the key's fingerprint. */
export function signDetached(file: string, env: Record<string, string | undefined>): string | null {
  const keySource = env.CRISIS_DESK_GPG_KEY;
  if (!keySource) return null;
  const armoured = keySource.includes('-----BEGIN PGP') ? keySource : existsSync(keySource) ? readFileSync(keySource, 'utf8') : null;
  if (!armoured) throw new Error('CRISIS_DESK_GPG_KEY is neither an armoured OpenPGP key nor a file holding one.');
  const home = mkdtempSync(path.join(tmpdir(), 'crisis-desk-gpg-'));
  try {
    const imported = gpg(home, ['--import'], armoured);
    if (imported.status !== 0) throw new Error(`gpg could not import CRISIS_DESK_GPG_KEY: ${imported.out.trim()}`);
    const listed = gpg(home, ['--list-secret-keys', '--with-colons']);
    const fingerprint = /^fpr:+([0-9A-F]{40,64}):/m.exec(listed.out)?.[1];
    if (!fingerprint) throw new Error('CRISIS_DESK_GPG_KEY holds no secret key.');
    const args = ['--local-user', fingerprint, '--armor', '--detach-sign', '--output', `${file}.asc`];
    if (env.CRISIS_DESK_GPG_PASSPHRASE !== undefined) {
      const pass = path.join(home, 'passphrase');
      writeFileSync(pass, env.CRISIS_DESK_GPG_PASSPHRASE, { mode: 0o600 });
      args.unshift('--pinentry-mode', 'loopback', '--passphrase-file', pass);
    }
    const signed = gpg(home, [...args, file]);
    if (signed.status !== 0) throw new Error(`gpg could not sign ${path.basename(file)}: ${signed.out.trim()}`);
    return fingerprint;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Verifies `file.asc` over `file` against the armoured public key; returns the signing fingerprint or null. */
export function verifyDetached(file: string, publicKey: string): string | null {
  const home = mkdtempSync(path.join(tmpdir(), 'crisis-desk-gpgv-'));
  try {
    gpg(home, ['--import'], publicKey);
    const r = gpg(home, ['--status-fd', '1', '--verify', `${file}.asc`, file]);
    if (r.status !== 0) return null;
    return /\[GNUPG:\] VALIDSIG ([0-9A-F]+)/.exec(r.out)?.[1] ?? null;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
