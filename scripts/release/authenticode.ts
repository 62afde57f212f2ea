/*
 * Windows Authenticode with Debian's osslsigncode: signs PE files (exe, dll, .node) and MSI
 * packages with SHA-256 and, when a time-stamping authority is named, an RFC 3161 timestamp; and
 * verifies them. The certificate comes from the build machine, never the repository:
 *   CRISIS_DESK_WIN_SIGN_CERT + CRISIS_DESK_WIN_SIGN_KEY   PEM (or DER) certificate chain and key files
 *   CRISIS_DESK_WIN_SIGN_PKCS12 (or WIN_CSC_LINK / CSC_LINK) a .pfx/.p12 file, or its base64
 *   CRISIS_DESK_WIN_SIGN_PKCS11_MODULE + _PKCS11_KEY        a PKCS#11 token (HSM, EV USB key): the module,
 *     the key's pkcs11: URI, and _PKCS11_CERT (a pkcs11: URI or a certificate file)
 *   CRISIS_DESK_WIN_SIGN_PASSWORD (or WIN_CSC_KEY_PASSWORD / CSC_KEY_PASSWORD)  key password or token PIN
 *   CRISIS_DESK_TIMESTAMP_URL                                RFC 3161 time-stamping authority (repeatable with spaces)
 * Passwords reach osslsigncode through a 0600 file, never its command line.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type SigningKey =
  | { kind: 'pem'; cert: string; key: string; password: string | null }
  | { kind: 'pkcs12'; file: string; password: string | null }
  | { kind: 'pkcs11'; module: string; key: string; cert: string; password: string | null };

export interface AuthenticodeSigner {
  key: SigningKey;
  timestampUrls: string[];
  /** Shown in Windows' consent prompt. */
  description: string;
  url: string;
}

type Env = Record<string, string | undefined>;

/** The signing key named by the environment, or null when none is (an unsigned build). */
export function signingKeyFromEnv(env: Env, scratch: string): SigningKey | null {
  const password = env.CRISIS_DESK_WIN_SIGN_PASSWORD ?? env.WIN_CSC_KEY_PASSWORD ?? env.CSC_KEY_PASSWORD ?? null;
  if (env.CRISIS_DESK_WIN_SIGN_PKCS11_MODULE) {
    const key = env.CRISIS_DESK_WIN_SIGN_PKCS11_KEY;
    const cert = env.CRISIS_DESK_WIN_SIGN_PKCS11_CERT;
    if (!key || !cert) throw new Error('CRISIS_DESK_WIN_SIGN_PKCS11_MODULE is set: set CRISIS_DESK_WIN_SIGN_PKCS11_KEY (the key’s pkcs11: URI) and CRISIS_DESK_WIN_SIGN_PKCS11_CERT (a pkcs11: URI or certificate file) too.');
    return { kind: 'pkcs11', module: env.CRISIS_DESK_WIN_SIGN_PKCS11_MODULE, key, cert, password };
  }
  if (env.CRISIS_DESK_WIN_SIGN_CERT || env.CRISIS_DESK_WIN_SIGN_KEY) {
    const cert = env.CRISIS_DESK_WIN_SIGN_CERT;
    const key = env.CRISIS_DESK_WIN_SIGN_KEY;
    if (!cert || !key) throw new Error('Set both CRISIS_DESK_WIN_SIGN_CERT and CRISIS_DESK_WIN_SIGN_KEY (certificate chain and private key files).');
    for (const f of [cert, key]) if (!existsSync(f)) throw new Error(`The signing file ${f} does not exist.`);
    return { kind: 'pem', cert, key, password };
  }
  const link = env.CRISIS_DESK_WIN_SIGN_PKCS12 ?? env.WIN_CSC_LINK ?? env.CSC_LINK;
  if (link) {
    if (existsSync(link)) return { kind: 'pkcs12', file: link, password };
    if (/^[A-Za-z0-9+/=\s]+$/.test(link) && link.length > 100) {
      const file = path.join(scratch, 'signing.p12');
      writeFileSync(file, Buffer.from(link, 'base64'), { mode: 0o600 });
      return { kind: 'pkcs12', file, password };
    }
    throw new Error('The signing certificate (CRISIS_DESK_WIN_SIGN_PKCS12 / WIN_CSC_LINK / CSC_LINK) is neither a file nor base64 data.');
  }
  return null;
}

function osslsigncode(args: string[]): { status: number; out: string } {
  const r = spawnSync('osslsigncode', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw new Error(`osslsigncode could not run (${(r.error as NodeJS.ErrnoException).code}): install Debian's osslsigncode (scripts/system-packages.sh).`);
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

/** Signs `file` in place (PE or MSI), SHA-256, with a timestamp when an authority is named. */
export function signFile(signer: AuthenticodeSigner, file: string): void {
  const head = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  readSync(fd, head, 0, 8, 0);
  closeSync(fd);
  if (!isSignable(head)) throw new Error(`${path.basename(file)} is neither a Windows executable nor an MSI: Authenticode cannot sign it (is another platform's binary in the Windows package?).`);
  const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-sign-'));
  try {
    const args = ['sign', '-h', 'sha256', '-n', signer.description, '-i', signer.url];
    const k = signer.key;
    if (k.kind === 'pem') args.push('-certs', k.cert, '-key', k.key);
    else if (k.kind === 'pkcs12') args.push('-pkcs12', k.file);
    else args.push('-pkcs11module', k.module, k.cert.startsWith('pkcs11:') ? '-pkcs11cert' : '-certs', k.cert, '-key', k.key);
    if (k.password !== null) {
      const passFile = path.join(dir, 'pass');
      writeFileSync(passFile, k.password, { mode: 0o600 });
      args.push('-readpass', passFile);
    }
    for (const url of signer.timestampUrls) args.push('-ts', url);
    const out = path.join(dir, `signed${path.extname(file)}`);
    // A file signed before (a rebuilt folder) is signed afresh rather than given a second signature.
    const r = osslsigncode([...args, '-in', file, '-out', out]);
    if (r.status !== 0) throw new Error(`Signing ${path.basename(file)} failed: ${r.out.trim().split('\n').slice(-3).join(' ')}`);
    renameSync(out, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Verification {
  ok: boolean;
  /** The signer's certificate subject (e.g. /CN=Example NHS Trust), when signed. */
  signer: string | null;
  timestamped: boolean;
  detail: string;
}

/** Checks the Authenticode signature of `file` (its digest and chain to `caFile`). */
export function verifyFile(file: string, caFile: string): Verification {
  const r = osslsigncode(['verify', '-CAfile', caFile, '-in', file]);
  // The first "Subject:" after "Signer's certificate" is the leaf that signed.
  const signerBlock = r.out.split(/Signer's certificate:/)[1] ?? '';
  const signer = /Subject:\s*(.+)/.exec(signerBlock)?.[1]?.trim() ?? null;
  const ok = r.status === 0 && /Signature verification: ok/.test(r.out) && !/MISMATCH|failed/i.test(r.out.split('Signature verification')[0] ?? '');
  return { ok, signer, timestamped: /Timestamp Verified by|The signature is timestamped/i.test(r.out), detail: r.out.trim().split('\n').slice(-4).join(' ') };
}

/** The CN of a subject as osslsigncode prints it (`/C=GB/O=…/CN=Name`). */
export function commonName(subject: string | null): string | null {
  if (!subject) return null;
  return /CN=([^/,]+)/.exec(subject)?.[1]?.trim() ?? null;
}

/** Whether `file` starts like something Authenticode signs: a PE image (MZ) or an MSI (OLE compound file). */
export function isSignable(file: Buffer): boolean {
  return (file[0] === 0x4d && file[1] === 0x5a) || file.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
}
