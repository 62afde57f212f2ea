/*
 * `npm run dist`: the release, built on this Linux machine with no network.
 *
 *   1. bundle main, preload, the core and the screen; stage one app folder per target with only
 *      that target's SQLite prebuild;
 *   2. the Electron runtime per target: the real release archive from the Electron cache, or the
 *      marked stand-in (scripts/release/electron-runtime.ts); never a download;
 *   3. electron-builder lays out each unpacked app (ASAR and its integrity hash, fuses, version
 *      resources) and signs every exe, dll and .node on Windows (osslsigncode);
 *   4. installers from Debian's tools: NSIS per machine (makensis), MSI (wixl), deb (dpkg-deb);
 *      the installer and the MSI signed;
 *   5. beside them: a CycloneDX SBOM per installer (the build fails on a licence outside the
 *      allow-list), the machine-policy templates, release notes, release.json, SHA256SUMS and its
 *      detached signature.
 *
 * Signing keys come from the environment (scripts/release/authenticode.ts, checksums.ts). Without a
 * Windows key the build fails, unless it is a development build (CRISIS_DESK_DEVELOPMENT=1), whose
 * artefacts say UNSIGNED-DEV in their names. CRISIS_DESK_RELEASE=1 also refuses the stand-in
 * runtime and a missing SHA256SUMS key. Output: out/release/ (replaced on each run).
 *   tsx scripts/release/dist.ts [--out <dir>] [--platforms win32,linux,darwin]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Arch, build, Platform as BuilderPlatform, type Configuration } from 'electron-builder';
import { spawnSync } from 'node:child_process';
import { APP_ID, createConfig, PRODUCT_NAME, PUBLISHER } from '../../build/electron-builder.config';
import { buildCore, buildMain, buildPreload, buildRenderer, stageApp } from '../build-desktop';
import { commonName, signFile, signingKeyFromEnv, verifyFile, type AuthenticodeSigner } from './authenticode';
import { fileDigest, signDetached, writeSha256Sums } from './checksums';
import { buildDeb, debVersion } from './deb';
import { electronVersion, resolveRuntime, type Runtime } from './electron-runtime';
import { buildMsi } from './msi';
import { buildNsisInstaller } from './nsis';
import { writePolicyTemplates } from './policy-templates';
import { licenceProblems, sbomJson, shippedPackages } from './sbom';
import { STAND_IN_MARKER } from './stand-in-runtime';

const root = path.resolve(import.meta.dirname, '..', '..');
export const RELEASE_OUT = path.join(root, 'out', 'release');

export type Platform = 'win32' | 'linux' | 'darwin';
export type ArtefactKind = 'nsis' | 'msi' | 'deb' | 'zip' | 'sbom' | 'policy' | 'notes' | 'manifest' | 'checksums' | 'signature';

export interface ReleaseArtefact {
  file: string;
  kind: ArtefactKind;
  platform: Platform | null;
  arch: 'x64' | 'arm64' | null;
  bytes: number;
  sha256: string;
  /** base64, as electron-updater's metadata carries it. */
  sha512: string;
  /** The Authenticode signer's subject, for Windows artefacts that were signed. */
  authenticode: string | null;
}

export interface ReleaseManifest {
  product: string;
  appId: string;
  version: string;
  electronVersion: string;
  builtAt: string;
  runtimes: Record<string, { kind: Runtime['kind']; detail: string }>;
  publishable: boolean;
  notPublishableBecause: string[];
  signing: { authenticode: string | null; timestamped: boolean; sha256sums: string | null };
  shipped: { name: string; version: string; license: string | null }[];
  artefacts: ReleaseArtefact[];
}

export interface DistOptions {
  out?: string;
  platforms?: Platform[];
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

const ELECTRON_BUILDER_PLATFORM = { win32: BuilderPlatform.WINDOWS, linux: BuilderPlatform.LINUX, darwin: BuilderPlatform.MAC } as const;

function appVersion(): string {
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs the whole release; returns its manifest (also written as release.json). */
export async function dist(options: DistOptions = {}): Promise<ReleaseManifest> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((l: string) => console.log(l));
  const out = options.out ?? RELEASE_OUT;
  // macOS is laid out and checked here too, except in a release (it is signed on a Mac).
  const platforms = options.platforms ?? (env.CRISIS_DESK_RELEASE === '1' ? ['win32', 'linux'] : ['win32', 'linux', 'darwin']);
  const release = env.CRISIS_DESK_RELEASE === '1';
  const development = env.CRISIS_DESK_DEVELOPMENT === '1';
  const version = appVersion();
  const builtAt = new Date().toISOString();
  const scratch = mkdtempSync(path.join(tmpdir(), 'crisis-desk-dist-'));
  const notPublishable: string[] = [];

  try {
    // Keys first: a release that cannot be signed fails before anything is built.
    const key = signingKeyFromEnv(env, scratch);
    if (!key && platforms.includes('win32') && !development) {
      throw new Error('No Windows signing key: set CRISIS_DESK_WIN_SIGN_CERT and CRISIS_DESK_WIN_SIGN_KEY, a .pfx (CRISIS_DESK_WIN_SIGN_PKCS12) or a PKCS#11 token (docs/deployment.md), or CRISIS_DESK_DEVELOPMENT=1 for an unsigned development build.');
    }
    if (release && development) throw new Error('CRISIS_DESK_RELEASE=1 and CRISIS_DESK_DEVELOPMENT=1 contradict each other.');
    if (release && !env.CRISIS_DESK_GPG_KEY) throw new Error('A release signs SHA256SUMS: set CRISIS_DESK_GPG_KEY.');
    const signer: AuthenticodeSigner | null = key ? { key, timestampUrls: (env.CRISIS_DESK_TIMESTAMP_URL ?? '').split(/\s+/).filter(Boolean), description: PRODUCT_NAME, url: 'https://crisis-desk.invalid/' } : null;
    if (!signer) notPublishable.push('unsigned development build');

    log('bundling main, preload, core and the screen');
    await Promise.all([buildMain(), buildPreload(), buildCore()]);
    buildRenderer();
    const packages = await shippedPackages();
    const refused = licenceProblems(packages);
    if (refused.length) {
      throw new Error(`Licences outside the allow-list (scripts/release/sbom.ts LICENCE_ALLOW_LIST): ${refused.map((p) => `${p.name}@${p.version} (${p.license ?? 'no licence'})`).join(', ')}. Review them and extend the list, or drop the dependency.`);
    }

    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const runtimes: ReleaseManifest['runtimes'] = {};
    const artefacts: { file: string; kind: ArtefactKind; platform: Platform | null; arch?: 'x64' | 'arm64'; signed: boolean }[] = [];
    const installers: string[] = [];

    // macOS is signed and notarised only on a Mac: here its app is laid out and checked, zipped unsigned, never publishable.
    const targets: { platform: Platform; arch: 'x64' | 'arm64' }[] = platforms.flatMap((platform) => (platform === 'darwin' ? (['x64', 'arm64'] as const) : (['x64'] as const)).map((arch) => ({ platform, arch })));
    if (platforms.includes('darwin')) {
      if (release) throw new Error('macOS packages are signed and notarised on a Mac (electron-builder --mac with build/electron-builder.config.ts); leave darwin out of a release built here.');
      notPublishable.push('macOS packages built here are not signed or notarised (that needs a Mac)');
    }

    for (const { platform, arch } of targets) {
      const target = `${platform}-${arch}`;
      const runtime = await resolveRuntime(platform, scratch, env, arch);
      runtimes[target] = { kind: runtime.kind, detail: runtime.kind === 'electron' ? runtime.archive : runtime.why };
      if (runtime.kind === 'stand-in') {
        if (release) throw new Error(`A release needs the real Electron runtime: ${runtime.why}. Put the archive in the Electron cache (ELECTRON_CACHE).`);
        notPublishable.push(`${target} built on the stand-in runtime (${runtime.why})`);
        log(`${target}: the Electron archive is not in the cache, building on the marked stand-in runtime`);
      }
      const unsigned = platform === 'darwin' || !signer;
      const tags = `${runtime.kind === 'stand-in' ? '-STAND-IN-RUNTIME' : ''}${unsigned ? '-UNSIGNED-DEV' : ''}`;
      const comments = [runtime.kind === 'stand-in' ? STAND_IN_MARKER : null, unsigned ? 'Unsigned development build: not for release' : null].filter(Boolean).join('; ') || `${PRODUCT_NAME} ${version}`;

      const stage = path.join(root, 'dist', `app-${target}`);
      stageApp(stage, [`${target}.node`]);
      const unpackedParent = path.join(scratch, `packaged-${target}`);
      const baseConfig = createConfig();
      const config: Configuration = {
        ...baseConfig,
        electronVersion: runtime.version,
        electronDist: runtime.kind === 'electron' ? runtime.archive : runtime.dir,
        directories: { ...baseConfig.directories, app: stage, output: unpackedParent },
        mac: { ...baseConfig.mac, target: [{ target: 'dir', arch: [arch] }] },
      };
      log(`${target}: packaging with electron-builder (ASAR, fuses${platform === 'win32' && signer ? ', Authenticode' : ''})`);
      // electron-builder signs through build/electron-builder.config.ts, which reads the key from process.env.
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        await build({ targets: ELECTRON_BUILDER_PLATFORM[platform].createTarget('dir', arch === 'arm64' ? Arch.arm64 : Arch.x64), config, publish: 'never', projectDir: root });
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
      const appDir = path.join(unpackedParent, platform === 'win32' ? 'win-unpacked' : platform === 'linux' ? 'linux-unpacked' : arch === 'arm64' ? 'mac-arm64' : 'mac');

      if (platform === 'win32') {
        const publisher = signer ? commonName(verifyFile(path.join(appDir, `${PRODUCT_NAME}.exe`), signerCertFile(signer)).signer) : null;
        writeFileSync(path.join(appDir, 'resources', 'app-update.yml'), appUpdateYml(publisher));
        const setup = `Crisis-Desk-${version}${tags}-x64-setup.exe`;
        const signCommand = signer ? writeSignScript(scratch, signer) : null;
        log(`win32: NSIS installer ${setup}`);
        buildNsisInstaller({ appDir, exeName: `${PRODUCT_NAME}.exe`, productName: PRODUCT_NAME, appId: APP_ID, publisher: PUBLISHER, version, outFile: path.join(out, setup), comments, signCommand, scratch });
        const msi = `Crisis-Desk-${version}${tags}-x64.msi`;
        log(`win32: MSI ${msi}`);
        buildMsi({ appDir, exeName: `${PRODUCT_NAME}.exe`, productName: PRODUCT_NAME, publisher: PUBLISHER, version, comments, outFile: path.join(out, msi), scratch });
        for (const f of [setup, msi]) {
          if (signer) signFile(signer, path.join(out, f));
          artefacts.push({ file: f, kind: f.endsWith('.msi') ? 'msi' : 'nsis', platform, arch, signed: signer !== null });
          installers.push(f);
        }
      } else if (platform === 'linux') {
        writeFileSync(path.join(appDir, 'resources', 'package-type'), 'deb');
        writeFileSync(path.join(appDir, 'resources', 'app-update.yml'), appUpdateYml(null));
        const deb = `crisis-desk_${debVersion(version)}${tags}_amd64.deb`;
        log(`linux: deb ${deb}`);
        buildDeb({
          appDir,
          executableName: 'crisis-desk',
          productName: PRODUCT_NAME,
          maintainer: PUBLISHER,
          version,
          description: 'An offline-first console for mental-health crisis line clinicians: the service directory and call records.',
          notes: runtime.kind === 'stand-in' ? ['', STAND_IN_MARKER] : [],
          outFile: path.join(out, deb),
          scratch,
        });
        artefacts.push({ file: deb, kind: 'deb', platform, arch, signed: false });
        installers.push(deb);
      } else {
        writeFileSync(path.join(appDir, `${PRODUCT_NAME}.app`, 'Contents', 'Resources', 'app-update.yml'), appUpdateYml(null));
        const zip = `Crisis-Desk-${version}${tags}-mac-${arch}.zip`;
        log(`darwin-${arch}: ${zip} (unsigned: signing and notarisation need a Mac)`);
        zipFolder(appDir, `${PRODUCT_NAME}.app`, path.join(out, zip));
        artefacts.push({ file: zip, kind: 'zip', platform, arch, signed: false });
        installers.push(zip);
      }
    }

    const properties: Record<string, string> = { 'crisis-desk:publishable': String(notPublishable.length === 0) };
    for (const [p, r] of Object.entries(runtimes)) properties[`crisis-desk:runtime:${p}`] = r.kind === 'stand-in' ? `stand-in (${STAND_IN_MARKER})` : `electron ${electronVersion()}`;
    const sbom = sbomJson({ productName: PRODUCT_NAME, version, electronVersion: electronVersion(), properties, packages, timestamp: builtAt });
    for (const installer of installers) {
      writeFileSync(path.join(out, `${installer}.cdx.json`), sbom);
      artefacts.push({ file: `${installer}.cdx.json`, kind: 'sbom', platform: null, signed: false });
    }
    for (const f of writePolicyTemplates(path.join(out, 'policy'))) artefacts.push({ file: path.relative(out, f), kind: 'policy', platform: null, signed: false });

    const described: ReleaseArtefact[] = [];
    for (const a of artefacts) {
      const full = path.join(out, a.file);
      const signed = a.signed && signer ? verifyFile(full, signerCertFile(signer)) : null;
      if (a.signed && !signed?.ok) throw new Error(`${a.file} does not verify after signing: ${signed?.detail}`);
      described.push({ file: a.file, kind: a.kind, platform: a.platform, arch: a.arch ?? null, bytes: statSync(full).size, sha256: await fileDigest(full, 'sha256'), sha512: await fileDigest(full, 'sha512', 'base64'), authenticode: signed?.signer ?? null });
    }

    const manifest: ReleaseManifest = {
      product: PRODUCT_NAME,
      appId: APP_ID,
      version,
      electronVersion: electronVersion(),
      builtAt,
      runtimes,
      publishable: notPublishable.length === 0,
      notPublishableBecause: notPublishable,
      signing: { authenticode: signer ? (described.find((d) => d.authenticode)?.authenticode ?? null) : null, timestamped: (signer?.timestampUrls.length ?? 0) > 0, sha256sums: null },
      shipped: packages.map((p) => ({ name: p.name, version: p.version, license: p.license })),
      artefacts: described,
    };
    writeFileSync(path.join(out, 'RELEASE-NOTES.md'), releaseNotes(manifest));
    const listed = [...described.map((d) => d.file), 'RELEASE-NOTES.md'];
    await writeSha256Sums(out, listed);
    manifest.signing.sha256sums = signDetached(path.join(out, 'SHA256SUMS'), env);
    writeFileSync(path.join(out, 'release.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    log(`release ${version} in ${path.relative(process.cwd(), out) || out}${manifest.publishable ? '' : ` — NOT publishable: ${notPublishable.join('; ')}`}`);
    return manifest;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The certificate file osslsigncode verifies against: the signer's own chain (a PEM or PKCS#11 cert file). */
function signerCertFile(signer: AuthenticodeSigner): string {
  if (signer.key.kind === 'pem') return signer.key.cert;
  if (signer.key.kind === 'pkcs11' && !signer.key.cert.startsWith('pkcs11:')) return signer.key.cert;
  // A .pfx or a token's certificate: the system's trust store decides.
  return '/etc/ssl/certs/ca-certificates.crt';
}

/** A shell script that signs the file named by its argument in place (for makensis's !uninstfinalize). */
function writeSignScript(scratch: string, signer: AuthenticodeSigner): string {
  const file = path.join(scratch, 'sign-uninstaller.mjs');
  const here = path.join(import.meta.dirname, 'authenticode.ts');
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  writeFileSync(file, `import { signFile } from ${JSON.stringify(here)};\nsignFile(${JSON.stringify(signer)}, process.argv.at(-1));\n`, { mode: 0o600 });
  return `"${process.execPath}" "${tsx}" "${file}"`;
}

/** electron-updater's app-update.yml: the publisher its Windows updater checks downloads against. */
export function appUpdateYml(publisher: string | null): string {
  // The feed itself comes from the machine policy (electron/main/updater.ts); this url is never used.
  return `provider: generic\nurl: https://crisis-desk.invalid/v1/updates\nupdaterCacheDirName: crisis-desk-updater\n${publisher ? `publisherName:\n  - ${JSON.stringify(publisher)}\n` : ''}`;
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export function releaseNotes(m: ReleaseManifest): string {
  let extra = '';
  try {
    extra = readFileSync(path.join(root, 'docs', 'releases', `${m.version}.md`), 'utf8').trim();
  } catch {
    extra = '_No notes were written for this version (docs/releases/<version>.md)._';
  }
  const rows = m.artefacts.filter((a) => ['nsis', 'msi', 'deb', 'zip'].includes(a.kind)).map((a) => `| ${a.file} | ${mib(a.bytes)} | \`${a.sha256}\` | ${a.authenticode ?? (a.kind === 'deb' ? 'SHA256SUMS signature' : a.kind === 'zip' ? 'unsigned (sign and notarise on a Mac)' : 'unsigned')} |`);
  return `# ${m.product} ${m.version}

Built ${m.builtAt} on Electron ${m.electronVersion}.
${m.publishable ? '' : `\n> **Not publishable.** ${m.notPublishableBecause.join('; ')}.\n`}
${extra}

## Packages

| file | size | sha256 | signed by |
|---|---|---|---|
${rows.join('\n')}

Each installer has its CycloneDX SBOM beside it (\`<installer>.cdx.json\`); \`policy/\` holds the
Group Policy templates (ADMX/ADML), the macOS configuration profile and the policy schema.

## Verify

    gpg --verify SHA256SUMS.asc SHA256SUMS && sha256sum -c SHA256SUMS
    osslsigncode verify -in <installer.exe or .msi>     (or: Get-AuthenticodeSignature on Windows)

## What ships

${m.shipped.map((p) => `- ${p.name} ${p.version} (${p.license ?? 'no licence'})`).join('\n')}
`;
}

/** Zips `name` inside `dir` (symbolic links kept, as a macOS framework needs them) with 7z. */
function zipFolder(dir: string, name: string, outFile: string): void {
  const r = spawnSync('7z', ['a', '-tzip', '-snl', '-mx=5', outFile, name], { cwd: dir, encoding: 'utf8' });
  if (r.error) throw new Error('7z could not run: install Debian’s p7zip-full (scripts/system-packages.sh).');
  if (r.status !== 0) throw new Error(`7z failed: ${r.stderr || r.stdout}`);
}

/** Lists the files of a release folder (for tests and the upload helper). */
export function releaseFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  try {
    await dist({ out: arg('--out') ? path.resolve(arg('--out')!) : undefined, platforms: arg('--platforms')?.split(',') as Platform[] | undefined });
  } catch (e) {
    console.error(`dist: ${(e as Error).message}`);
    process.exit(1);
  }
}
