/*
 * The software bill of materials of what ships in the app, as CycloneDX JSON (1.6), and the licence
 * check that fails the build.
 *
 * What ships is worked out, not assumed: the app is bundled, so the npm packages in it are exactly
 * those whose files esbuild pulls into main, preload, the core and the screen (a metafile of the
 * same entry points the build uses), plus the native SQLite module copied beside them. Each is
 * described from package-lock.json (version, licence, integrity) and its own package.json (author,
 * homepage), with a purl. The Electron runtime is listed as the platform it runs on.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { build } from 'esbuild';
import { PackageURL } from 'packageurl-js';
import spdxParse from 'spdx-expression-parse';
import spdxSatisfies from 'spdx-satisfies';

const root = path.resolve(import.meta.dirname, '..', '..');
const NATIVE = 'better-sqlite3-multiple-ciphers';

/**
 * Licences a trust can ship without legal review: permissive ones. Copyleft (GPL, LGPL, AGPL),
 * weak copyleft (MPL, EPL) and anything unknown fail the build until someone reviews and adds it.
 */
export const LICENCE_ALLOW_LIST = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'BlueOak-1.0.0', 'CC0-1.0', 'Unlicense', 'Python-2.0', 'Zlib'];

/**
 * Licences read by a person from a package's own files where its package.json names none in SPDX
 * form (name@version: the SPDX id of what the files say). A new version is read again.
 */
export const LICENCES_READ_FROM_FILES: Readonly<Record<string, string>> = {
  // pdfkit's PNG decoder: package.json lists "LICENSE" under files but has no licence field; LICENSE is the MIT licence (Devon Govett, 2017).
  'png-js@2.0.0': 'MIT',
};

export interface ShippedPackage {
  name: string;
  version: string;
  license: string | null;
  /** package-lock.json's integrity (sha512 of the tarball). */
  integrity: string | null;
  /** The path in node_modules (nested installs differ). */
  lockPath: string;
  /** Why it ships: bundled into which part, or copied as a native module. */
  via: string[];
}

interface LockPackage {
  version?: string;
  license?: string;
  integrity?: string;
  resolved?: string;
  dev?: boolean;
}

function lockPackages(): Record<string, LockPackage> {
  return (JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> }).packages;
}

/** `node_modules/a/node_modules/@s/b/lib/x.js` → `node_modules/a/node_modules/@s/b`. */
export function lockPathOf(file: string): string | null {
  const parts = file.split('/');
  let last = -1;
  for (let i = 0; i < parts.length; i++) if (parts[i] === 'node_modules') last = i;
  if (last < 0) return null;
  const name = parts[last + 1]?.startsWith('@') ? parts.slice(last + 1, last + 3) : parts.slice(last + 1, last + 2);
  return [...parts.slice(0, last + 1), ...name].join('/');
}

const nameOf = (lockPath: string) => lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** The entry points of what ships, as scripts/build-desktop.ts and the renderer's vite build bundle them. */
const ENTRIES: { part: string; entry: string; platform: 'node' | 'browser'; external: string[] }[] = [
  { part: 'main', entry: 'electron/main/main.ts', platform: 'node', external: ['electron'] },
  { part: 'preload', entry: 'electron/preload/preload.ts', platform: 'browser', external: ['electron'] },
  { part: 'core', entry: 'electron/core/entry.ts', platform: 'node', external: [NATIVE] },
  { part: 'screen', entry: 'renderer/src/main.tsx', platform: 'browser', external: [] },
];

/** Every npm package that ships, with why. */
export async function shippedPackages(): Promise<ShippedPackage[]> {
  const lock = lockPackages();
  const found = new Map<string, Set<string>>();
  for (const e of ENTRIES) {
    const result = await build({
      entryPoints: [path.join(root, e.entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: e.platform,
      format: 'esm',
      outdir: path.join(root, 'dist', 'sbom-scan'),
      external: e.external,
      jsx: 'automatic',
      loader: { '.css': 'empty', '.svg': 'empty', '.png': 'empty', '.woff2': 'empty', '.woff': 'empty' },
      logLevel: 'silent',
    });
    // Inputs that contributed bytes to an output: tree-shaken-away imports do not ship.
    for (const output of Object.values(result.metafile.outputs)) {
      for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
        if (bytesInOutput === 0) continue;
        const lp = lockPathOf(input);
        if (!lp) continue;
        if (!found.has(lp)) found.set(lp, new Set());
        found.get(lp)!.add(e.part);
      }
    }
  }
  found.set(`node_modules/${NATIVE}`, new Set(['native module (app.asar.unpacked)']));
  // One component per name and version: the same version installed at two nested paths ships the same code.
  const byId = new Map<string, ShippedPackage>();
  for (const [lp, via] of found) {
    const entry = lock[lp];
    if (!entry?.version) throw new Error(`${lp} ships in the app but is not in package-lock.json: run npm install.`);
    const id = `${nameOf(lp)}@${entry.version}`;
    const seen = byId.get(id);
    if (seen) seen.via = [...new Set([...seen.via, ...via])].sort();
    else byId.set(id, { name: nameOf(lp), version: entry.version, license: entry.license ?? LICENCES_READ_FROM_FILES[id] ?? null, integrity: entry.integrity ?? null, lockPath: lp, via: [...via].sort() });
  }
  const out = [...byId.values()];
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

export interface LicenceProblem {
  name: string;
  version: string;
  license: string | null;
}

/** Packages whose licence is missing or not satisfied by the allow-list (an OR expression needs one allowed side). */
export function licenceProblems(packages: { name: string; version: string; license: string | null }[], allow = LICENCE_ALLOW_LIST): LicenceProblem[] {
  return packages.filter((p) => {
    if (!p.license) return true;
    try {
      return !spdxSatisfies(p.license, allow);
    } catch {
      return true; // not an SPDX expression: someone must read it
    }
  });
}

function packageJsonOf(lockPath: string): { author?: string | { name?: string }; homepage?: string; description?: string } {
  try {
    return JSON.parse(readFileSync(path.join(root, lockPath, 'package.json'), 'utf8')) as never;
  } catch {
    return {};
  }
}

function isSpdxExpression(value: string): boolean {
  try {
    spdxParse(value);
    return true;
  } catch {
    return false;
  }
}

export interface SbomInput {
  productName: string;
  version: string;
  electronVersion: string;
  /** Said in the metadata: e.g. the stand-in runtime marker. */
  properties: Record<string, string>;
  packages: ShippedPackage[];
  /** The release time (ISO), so that one release's SBOMs are the same bytes. */
  timestamp: string;
}

/** The CycloneDX 1.6 JSON text of the app. */
export function sbomJson(i: SbomInput): string {
  const licenses = new CDX.Contrib.License.Factories.LicenseFactory(isSpdxExpression);
  const bom = new CDX.Models.Bom();
  bom.serialNumber = `urn:uuid:${deterministicUuid(`${i.productName}@${i.version}@${i.timestamp}`)}`;
  bom.metadata.timestamp = new Date(i.timestamp);
  bom.metadata.tools.components.add(new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'crisis-desk-release', { group: 'crisis-desk', version: i.version }));
  const app = new CDX.Models.Component(CDX.Enums.ComponentType.Application, i.productName, { version: i.version, bomRef: `app:${i.version}` });
  for (const [name, value] of Object.entries(i.properties)) app.properties.add(new CDX.Models.Property(name, value));
  bom.metadata.component = app;
  const runtime = new CDX.Models.Component(CDX.Enums.ComponentType.Framework, 'electron', { version: i.electronVersion, bomRef: `pkg:npm/electron@${i.electronVersion}` });
  runtime.licenses.add(licenses.makeFromString('MIT'));
  runtime.purl = new PackageURL('npm', undefined, 'electron', i.electronVersion, undefined, undefined).toString();
  bom.components.add(runtime);
  app.dependencies.add(runtime.bomRef);
  for (const p of i.packages) {
    const meta = packageJsonOf(p.lockPath);
    const scope = p.name.startsWith('@') ? p.name.slice(0, p.name.indexOf('/')) : undefined;
    const base = scope ? p.name.slice(scope.length + 1) : p.name;
    const c = new CDX.Models.Component(CDX.Enums.ComponentType.Library, base, { group: scope, version: p.version, bomRef: `pkg:npm/${p.name}@${p.version}`, description: meta.description });
    c.purl = new PackageURL('npm', scope, base, p.version, undefined, undefined).toString();
    if (p.license) c.licenses.add(licenses.makeFromString(p.license));
    const author = typeof meta.author === 'string' ? meta.author : meta.author?.name;
    if (author) c.author = author;
    if (p.integrity?.startsWith('sha512-')) c.hashes.set(CDX.Enums.HashAlgorithm['SHA-512'], Buffer.from(p.integrity.slice(7), 'base64').toString('hex'));
    if (meta.homepage) c.externalReferences.add(new CDX.Models.ExternalReference(meta.homepage, CDX.Enums.ExternalReferenceType.Website));
    c.properties.add(new CDX.Models.Property('crisis-desk:ships-in', p.via.join(', ')));
    bom.components.add(c);
    app.dependencies.add(c.bomRef);
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/** Checks the text against the CycloneDX 1.6 JSON schema (strict); null when valid. */
export async function sbomSchemaErrors(text: string): Promise<unknown> {
  return new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(text);
}

/** A version-5-shaped UUID from a name (the same release always gets the same serial number). */
function deterministicUuid(name: string): string {
  const h = createHashHex(name);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const createHashHex = (s: string) => createHash('sha1').update(s).digest('hex');
