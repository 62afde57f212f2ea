/*
 * The packaging check: `npm run dist` as CI runs it (on the stand-in runtime unless the real
 * Electron archives are cached), with a throwaway Authenticode certificate and OpenPGP key made
 * here, and then every artefact opened with the tools a person would use — 7z for the NSIS
 * installer, msiextract/msiinfo for the MSI, dpkg-deb for the deb, osslsigncode, gpg, sha256sum,
 * @electron/asar and @electron/fuses — to check what was built, not what the build says it built.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import plist from 'plist';
import * as ResEdit from 'resedit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSI_UPGRADE_CODE, msiProperties, msiSummary, msiUpgradeRows } from './msi';
import { debContents } from './deb';
import { verifyDetached } from './checksums';
import { dist, type ReleaseManifest } from './dist';
import { sbomSchemaErrors } from './sbom';
import { STAND_IN_MARKER } from './stand-in-runtime';
import { verifyFile } from './authenticode';

const run = (cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
};

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('the release built offline', () => {
  let work: string;
  let out: string;
  let manifest: ReleaseManifest;
  let caFile: string;
  let publicKey: string;
  /** The unpacked apps as each installer lays them down. */
  const installed: Record<'nsis' | 'msi' | 'deb' | 'mac-x64' | 'mac-arm64', string> = { nsis: '', msi: '', deb: '', 'mac-x64': '', 'mac-arm64': '' };
  const file = (kind: string, arch = 'x64') => manifest.artefacts.find((a) => a.kind === kind && (a.arch === arch || a.arch === null))!.file;
  /** Where each package keeps app.asar and the postcode tables. */
  const resources = (kind: keyof typeof installed) => (kind.startsWith('mac') ? path.join(installed[kind], 'Crisis Desk.app', 'Contents', 'Resources') : path.join(installed[kind], 'resources'));

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'crisis-desk-packaging-'));
    out = path.join(work, 'release');
    // A throwaway code-signing certificate and release key, as a trust's would be.
    caFile = path.join(work, 'cert.pem');
    const keyFile = path.join(work, 'key.pem');
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/O=Example NHS Trust/CN=Crisis Desk Test Publisher', '-addext', 'extendedKeyUsage=codeSigning']);
    const gnupg = path.join(work, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    run('gpg', ['--homedir', gnupg, '--batch', '--passphrase', 'release-test', '--quick-gen-key', 'Crisis Desk Test Release <release@crisis-desk.invalid>', 'ed25519', 'sign', '1d']);
    const secret = run('gpg', ['--homedir', gnupg, '--batch', '--pinentry-mode', 'loopback', '--passphrase', 'release-test', '--armor', '--export-secret-keys']);
    publicKey = run('gpg', ['--homedir', gnupg, '--armor', '--export']);
    manifest = await dist({
      out,
      log: () => {},
      env: { ...process.env, CRISIS_DESK_WIN_SIGN_CERT: caFile, CRISIS_DESK_WIN_SIGN_KEY: keyFile, CRISIS_DESK_GPG_KEY: secret, CRISIS_DESK_GPG_PASSPHRASE: 'release-test', CRISIS_DESK_RELEASE: undefined, CRISIS_DESK_DEVELOPMENT: undefined },
    });
    installed.nsis = path.join(work, 'nsis');
    run('7z', ['x', '-y', `-o${installed.nsis}`, path.join(out, file('nsis'))]);
    const msiDir = path.join(work, 'msi');
    mkdirSync(msiDir);
    run('msiextract', ['-C', msiDir, path.join(out, file('msi'))]);
    installed.msi = path.join(msiDir, 'Crisis Desk');
    const debDir = path.join(work, 'deb');
    run('dpkg-deb', ['-x', path.join(out, file('deb')), debDir]);
    installed.deb = path.join(debDir, 'opt', 'crisis-desk');
    for (const arch of ['x64', 'arm64'] as const) {
      installed[`mac-${arch}`] = path.join(work, `mac-${arch}`);
      run('7z', ['x', '-y', '-snl', `-o${installed[`mac-${arch}`]}`, path.join(out, file('zip', arch))]);
    }
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('makes every artefact, named and described for what it was built on', () => {
    const names = readdirSync(out);
    const standIn = Object.values(manifest.runtimes).some((r) => r.kind === 'stand-in');
    for (const kind of ['nsis', 'msi', 'deb', 'zip'] as const) {
      const a = manifest.artefacts.find((x) => x.kind === kind)!;
      expect(names).toContain(a.file);
      expect(names).toContain(`${a.file}.cdx.json`);
      expect(statSync(path.join(out, a.file)).size).toBe(a.bytes);
      expect(a.bytes).toBeGreaterThan(100_000);
      expect(a.file.includes('STAND-IN-RUNTIME')).toBe(standIn);
    }
    expect(names).toEqual(expect.arrayContaining(['SHA256SUMS', 'SHA256SUMS.asc', 'RELEASE-NOTES.md', 'release.json', 'policy']));
    // macOS is laid out here but signed and notarised only on a Mac: never publishable from here.
    for (const arch of ['x64', 'arm64']) expect(file('zip', arch)).toMatch(new RegExp(`-UNSIGNED-DEV-mac-${arch}\\.zip$`));
    expect(manifest.publishable).toBe(false);
    expect(manifest.notPublishableBecause).toContain('macOS packages built here are not signed or notarised (that needs a Mac)');
    expect(readdirSync(path.join(out, 'policy')).sort()).toEqual(['CrisisDesk.admx', 'README.txt', 'en-US', 'org.crisisdesk.desk.mobileconfig', 'policy.example.json', 'policy.schema.json']);
    if (standIn) {
      // Never publishable, and it says so in each package's own metadata, not just its name.
      expect(manifest.publishable).toBe(false);
      expect(readFileSync(path.join(out, 'RELEASE-NOTES.md'), 'utf8')).toContain('Not publishable');
      expect(msiSummary(path.join(out, file('msi'))).Comments).toBe(STAND_IN_MARKER);
      expect(debContents(path.join(out, file('deb'))).control.Description).toContain(STAND_IN_MARKER);
      const exe = ResEdit.NtExecutable.from(readFileSync(path.join(out, file('nsis'))), { ignoreCert: true });
      const [vi] = ResEdit.Resource.VersionInfo.fromEntries(ResEdit.NtExecutableResource.from(exe).entries);
      expect(vi!.getStringValues({ lang: 1033, codepage: 1200 }).Comments).toBe(STAND_IN_MARKER);
      expect(readFileSync(path.join(installed.nsis, 'STAND-IN-RUNTIME.txt'), 'utf8')).toContain(STAND_IN_MARKER);
    }
  });

  it('signs the installer, the MSI and every exe, dll and .node inside them (osslsigncode verify)', () => {
    const bad: string[] = [];
    const signed = [path.join(out, file('nsis')), path.join(out, file('msi'))];
    for (const dir of [installed.nsis, installed.msi]) signed.push(...walk(dir).filter((f) => /\.(exe|dll|node)$/i.test(f) && !f.includes('$PLUGINSDIR')));
    for (const f of signed) {
      const v = verifyFile(f, caFile);
      if (!v.ok || !v.signer?.includes('CN=Crisis Desk Test Publisher')) bad.push(`${path.relative(work, f)}: ${v.detail}`);
    }
    expect(bad).toEqual([]);
    // The installer's own uninstaller was signed when makensis built it; and both Windows payloads have the app and its DLL.
    expect(signed.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['Uninstall Crisis Desk.exe', 'Crisis Desk.exe', 'ffmpeg.dll', 'win32-x64.node']));
    expect(signed.length).toBeGreaterThanOrEqual(9);
  });

  it('refuses a signed file changed afterwards', () => {
    const copy = path.join(work, 'tampered.msi');
    const bytes = readFileSync(path.join(out, file('msi')));
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(copy, bytes);
    expect(verifyFile(copy, caFile).ok).toBe(false);
  });

  it('makes the MSI per machine, with the stable UpgradeCode and a major upgrade both ways', () => {
    const msi = path.join(out, file('msi'));
    const props = msiProperties(msi);
    expect(props.ALLUSERS).toBe('1');
    expect(props.UpgradeCode).toBe(MSI_UPGRADE_CODE);
    expect(props.ProductVersion).toBe(manifest.version);
    const rows = msiUpgradeRows(msi);
    // Detect older versions to remove them; refuse to go back over a newer one.
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ upgradeCode: MSI_UPGRADE_CODE, versionMax: manifest.version, actionProperty: 'WIX_UPGRADE_DETECTED' }),
        expect.objectContaining({ upgradeCode: MSI_UPGRADE_CODE, versionMin: manifest.version, actionProperty: 'WIX_DOWNGRADE_DETECTED' }),
      ]),
    );
    expect(run('msiinfo', ['export', msi, 'InstallExecuteSequence'])).toContain('RemoveExistingProducts');
  });

  it('makes the NSIS installer install per machine, silently on /S, with an uninstall entry for all users', () => {
    // makensis compiles the script; 7z shows the payload it put in. The script's own settings:
    const uninstaller = readFileSync(path.join(installed.nsis, 'Uninstall Crisis Desk.exe'));
    expect(uninstaller.subarray(0, 2).toString('latin1')).toBe('MZ');
    const manifestXml = readFileSync(path.join(out, file('nsis'))).toString('latin1');
    expect(manifestXml).toMatch(/requestedExecutionLevel level="requireAdministrator"/);
  });

  it('ships in app.asar only main, preload, core and the built screen: no tests, sources, maps or dev dependencies', () => {
    for (const kind of ['nsis', 'msi', 'deb', 'mac-x64', 'mac-arm64'] as const) {
      const asar = path.join(resources(kind), 'app.asar');
      const entries = listPackage(asar, { isPack: false }).map((e) => e.replaceAll('\\', '/'));
      for (const needed of ['/package.json', '/dist/desktop/main.mjs', '/dist/desktop/preload.cjs', '/dist/desktop/core.mjs', '/dist/renderer/index.html']) expect(entries, `${kind} ${needed}`).toContain(needed);
      expect(entries.some((e) => /^\/dist\/renderer\/assets\/.+\.js$/.test(e))).toBe(true);
      const files = entries.filter((e) => /\.[a-z0-9]+$/i.test(e.split('/').pop()!));
      expect(files.filter((e) => /\.(test|spec)\.|\/test\/|\.tsx?$|\.map$|\/src\//.test(e)), kind).toEqual([]);
      expect(files.filter((e) => e.startsWith('/node_modules/') && !e.startsWith('/node_modules/better-sqlite3-multiple-ciphers/')), kind).toEqual([]);
      const appPkg = JSON.parse(extractFile(asar, 'package.json').toString('utf8')) as Record<string, unknown>;
      expect(appPkg.devDependencies).toBeUndefined();
      expect(Object.keys(appPkg.dependencies as object)).toEqual(['better-sqlite3-multiple-ciphers']);
      // No dev-only code was bundled in: test runners and build tools leave recognisable names (in main and
      // preload: core.mjs is minified, without its path comments; what it bundles is the SBOM's, checked below).
      const bundles = ['dist/desktop/main.mjs', 'dist/desktop/core.mjs', 'dist/desktop/preload.cjs'].map((f) => extractFile(asar, f).toString('utf8')).join('\n');
      for (const dev of ['vitest', 'fast-check', '@playwright/test', 'electron-builder', 'happy-dom']) expect(bundles.includes(`node_modules/${dev}/`), dev).toBe(false);
      expect(bundles).not.toMatch(/sourceMappingURL/);
    }
  });

  it('carries the native SQLite module of each target, and only that one', () => {
    const prebuilds = (kind: keyof typeof installed) => readdirSync(path.join(resources(kind), 'app.asar.unpacked', 'node_modules', 'better-sqlite3-multiple-ciphers', 'prebuilds'));
    expect(prebuilds('nsis')).toEqual(['win32-x64.node']);
    expect(prebuilds('msi')).toEqual(['win32-x64.node']);
    expect(prebuilds('deb')).toEqual(['linux-x64.node']);
    expect(prebuilds('mac-x64')).toEqual(['darwin-x64.node']);
    expect(prebuilds('mac-arm64')).toEqual(['darwin-arm64.node']);
    // Mach-O 64-bit for the right CPU: x86_64 (0x01000007) and arm64 (0x0100000c).
    for (const [arch, cpu] of [['x64', 0x01000007], ['arm64', 0x0100000c]] as const) {
      const macho = readFileSync(path.join(resources(`mac-${arch}`), 'app.asar.unpacked', 'node_modules', 'better-sqlite3-multiple-ciphers', 'prebuilds', `darwin-${arch}.node`));
      expect(macho.readUInt32LE(0)).toBe(0xfeedfacf);
      expect(macho.readUInt32LE(4)).toBe(cpu);
    }
    const win = readFileSync(path.join(installed.nsis, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3-multiple-ciphers', 'prebuilds', 'win32-x64.node'));
    expect(win.readUInt16LE(win.readUInt32LE(0x3c) + 4)).toBe(0x8664); // a PE for x64
    const linux = readFileSync(path.join(installed.deb, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3-multiple-ciphers', 'prebuilds', 'linux-x64.node'));
    expect(linux.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(linux.readUInt16LE(18)).toBe(0x3e); // x86-64
  });

  it('reads the fuses back as set from the packaged runtimes', async () => {
    const expected = {
      [FuseV1Options.RunAsNode]: '0',
      [FuseV1Options.EnableCookieEncryption]: '1',
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: '0',
      [FuseV1Options.EnableNodeCliInspectArguments]: '0',
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: '1',
      [FuseV1Options.OnlyLoadAppFromAsar]: '1',
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: '0',
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: '0',
    };
    const macFramework = (arch: string) => path.join(installed[`mac-${arch}` as 'mac-x64'], 'Crisis Desk.app', 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
    for (const binary of [path.join(installed.nsis, 'Crisis Desk.exe'), path.join(installed.msi, 'Crisis Desk.exe'), path.join(installed.deb, 'crisis-desk'), macFramework('x64'), macFramework('arm64')]) {
      const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
      const read = Object.fromEntries(Object.keys(expected).map((k) => [k, String.fromCharCode(wire[Number(k)]!)]));
      expect(read, binary).toEqual(expected);
    }
    // The Windows executable also carries the ASAR's integrity hash for that fuse to check.
    const exe = ResEdit.NtExecutable.from(readFileSync(path.join(installed.msi, 'Crisis Desk.exe')), { ignoreCert: true });
    const integrity = ResEdit.NtExecutableResource.from(exe).entries.find((e) => e.type === 'INTEGRITY');
    expect(JSON.parse(Buffer.from(integrity!.bin).toString('utf8'))).toEqual([expect.objectContaining({ file: 'resources\\app.asar', alg: 'SHA256' })]);
    // On macOS it is in Info.plist, with the app's identity.
    const info = plist.parse(readFileSync(path.join(installed['mac-arm64'], 'Crisis Desk.app', 'Contents', 'Info.plist'), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ CFBundleIdentifier: 'org.crisisdesk.desk', CFBundleExecutable: 'Crisis Desk', LSApplicationCategoryType: 'public.app-category.medical', ElectronAsarIntegrity: { 'Resources/app.asar': { algorithm: 'SHA256', hash: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
  });

  it('lays out the deb under /opt with a launcher, and no policy file of its own', () => {
    const { control, paths } = debContents(path.join(out, file('deb')));
    expect(control.Package).toBe('crisis-desk');
    expect(control.Architecture).toBe('amd64');
    expect(control.Depends).toContain('libnss3');
    expect(paths).toEqual(expect.arrayContaining(['/opt/crisis-desk/crisis-desk', '/usr/bin/crisis-desk', '/usr/share/applications/crisis-desk.desktop', '/opt/crisis-desk/resources/app.asar']));
    expect(paths.some((p) => p.startsWith('/etc/'))).toBe(false);
  });

  it('lists the shipped dependencies in a valid CycloneDX SBOM beside each installer, and no dev dependency', async () => {
    const names = new Set<string>();
    for (const [kind, arch] of [['nsis', 'x64'], ['msi', 'x64'], ['deb', 'x64'], ['zip', 'x64'], ['zip', 'arm64']] as const) {
      const text = readFileSync(path.join(out, `${file(kind, arch)}.cdx.json`), 'utf8');
      expect(await sbomSchemaErrors(text)).toBeNull();
      const bom = JSON.parse(text) as { bomFormat: string; specVersion: string; metadata: { component: { name: string; version: string } }; components: { name: string; group?: string; version: string; purl: string; licenses?: unknown[] }[] };
      expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', metadata: { component: { name: 'Crisis Desk', version: manifest.version } } });
      // Every component is one name and version, once (bom-refs are unique).
      const ids = bom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`);
      expect(new Set(ids).size).toBe(ids.length);
      for (const c of bom.components) {
        names.add(c.group ? `${c.group}/${c.name}` : c.name);
        expect(c.purl).toMatch(/^pkg:npm\//);
        expect(c.licenses?.length).toBeGreaterThan(0);
      }
    }
    // What the app's own code imports at run time (package.json dependencies used by main, core or the screen).
    for (const shipped of ['better-sqlite3-multiple-ciphers', 'react', 'react-dom', 'zod', 'zustand', 'luxon', 'react-hook-form', 'electron', 'electron-updater']) expect(names, shipped).toContain(shipped);
    for (const dev of Object.keys(pkg.devDependencies).filter((d) => d !== 'electron')) expect(names.has(dev), dev).toBe(false);
    // Server-only dependencies do not ship in the desk.
    for (const server of ['fastify', 'pg', '@electric-sql/pglite', 'pino']) expect(names.has(server), server).toBe(false);
  });

  it('writes SHA256SUMS over every artefact, signed by the release key; a changed byte fails', () => {
    expect(run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })).not.toMatch(/FAILED/);
    const listed = readFileSync(path.join(out, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split('  ')[1]);
    for (const a of manifest.artefacts) expect(listed).toContain(a.file);
    expect(verifyDetached(path.join(out, 'SHA256SUMS'), publicKey)).toBe(manifest.signing.sha256sums);
    const tampered = path.join(work, 'SHA256SUMS');
    writeFileSync(tampered, readFileSync(path.join(out, 'SHA256SUMS'), 'utf8').replace(/^./, (c) => (c === '0' ? '1' : '0')));
    writeFileSync(`${tampered}.asc`, readFileSync(path.join(out, 'SHA256SUMS.asc')));
    expect(verifyDetached(tampered, publicKey)).toBeNull();
  });
});

describe('a release that must not be built', () => {
  it('fails without a Windows signing key unless it is a development build', async () => {
    await expect(dist({ out: path.join(tmpdir(), 'never'), env: { PATH: process.env.PATH }, log: () => {} })).rejects.toThrow(/No Windows signing key.*CRISIS_DESK_DEVELOPMENT=1/s);
  });

  it('fails as a release without the SHA256SUMS key', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'crisis-desk-norelease-'));
    try {
      run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(scratch, 'k.pem'), '-out', path.join(scratch, 'c.pem'), '-days', '1', '-subj', '/CN=x']);
      await expect(dist({ out: path.join(scratch, 'out'), env: { PATH: process.env.PATH, CRISIS_DESK_RELEASE: '1', CRISIS_DESK_WIN_SIGN_CERT: path.join(scratch, 'c.pem'), CRISIS_DESK_WIN_SIGN_KEY: path.join(scratch, 'k.pem') }, log: () => {} })).rejects.toThrow(/CRISIS_DESK_GPG_KEY/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
