/*
 * Which Electron runtime a release is built on. The real release archive
 * (electron-v<version>-<platform>-<arch>.zip) is used when it is in the Electron cache —
 * ELECTRON_CACHE, or @electron/get's default cache folder of this OS, where `npm install electron`
 * leaves it — and its sha256 matches the one the electron package ships (checksums.json). Nothing
 * is ever downloaded: without the archive the clearly marked stand-in is laid out instead.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { writeStandInRuntime, type RuntimePlatform } from './stand-in-runtime';

export type RuntimeArch = 'x64' | 'arm64';

export type Runtime =
  | { kind: 'electron'; platform: RuntimePlatform; arch: RuntimeArch; version: string; archive: string }
  | { kind: 'stand-in'; platform: RuntimePlatform; arch: RuntimeArch; version: string; dir: string; why: string };

const root = path.resolve(import.meta.dirname, '..', '..');

export function electronVersion(): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The folders @electron/get caches archives in, ELECTRON_CACHE first. */
export function electronCacheDirs(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string[] {
  const dirs: string[] = [];
  if (env.ELECTRON_CACHE) dirs.push(env.ELECTRON_CACHE);
  if (platform === 'win32') dirs.push(path.join(env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'electron', 'Cache'));
  else if (platform === 'darwin') dirs.push(path.join(homedir(), 'Library', 'Caches', 'electron'));
  else dirs.push(path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'electron'));
  return dirs;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The archive's expected sha256, from the electron package's own checksums.json. */
function expectedSha256(name: string): string | null {
  try {
    const sums = JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'checksums.json'), 'utf8')) as Record<string, string>;
    return sums[name] ?? null;
  } catch {
    return null;
  }
}

/** Finds `name` in the cache folders (at their top or one hashed folder down, as @electron/get stores it). */
export function findInCache(name: string, dirs: string[]): string | null {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const direct = path.join(dir, name);
    if (existsSync(direct)) return direct;
    for (const sub of readdirSync(dir)) {
      const p = path.join(dir, sub, name);
      if (existsSync(p) && statSync(p).isFile()) return p;
    }
  }
  return null;
}

/** The real archive when cached and intact; otherwise a stand-in laid out under `scratch`. */
export async function resolveRuntime(platform: RuntimePlatform, scratch: string, env: Record<string, string | undefined> = process.env, arch: RuntimeArch = 'x64'): Promise<Runtime> {
  const version = electronVersion();
  const name = `electron-v${version}-${platform}-${arch}.zip`;
  const cached = env.CRISIS_DESK_FORCE_STAND_IN === '1' ? null : findInCache(name, electronCacheDirs(env));
  let why = `${name} is not in the Electron cache (${electronCacheDirs(env).join(', ')})`;
  if (cached) {
    const expected = expectedSha256(name);
    const actual = await sha256Of(cached);
    if (expected && actual === expected) return { kind: 'electron', platform, arch, version, archive: cached };
    why = `${cached} does not match the sha256 in electron/checksums.json (${expected ? 'damaged or not Electron’s' : 'no checksum known'})`;
  } else if (env.CRISIS_DESK_FORCE_STAND_IN === '1') {
    why = 'CRISIS_DESK_FORCE_STAND_IN=1';
  }
  const dir = writeStandInRuntime(path.join(scratch, `stand-in-${platform}-${arch}`), platform, version);
  return { kind: 'stand-in', platform, arch, version, dir, why };
}
