/*
 * Builds the desktop app into dist/desktop (what package.json "main" points at), plus the screen:
 *   main.mjs     Electron main (ESM), electron external
 *   preload.cjs  the screen's preload: one CommonJS file, as a sandboxed preload must be
 *   core.mjs     the core for the utilityProcess (better-sqlite3 stays external: a native module)
 *   ../renderer  the screen (vite build)
 * With --stage it also lays out dist/app, the folder electron-builder packages: the bundles, the
 * screen, a package.json of its own and the one native module (nothing else from node_modules).
 *   tsx scripts/build-desktop.ts [--skip-renderer] [--stage [--prebuilds a.node,b.node]]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { NODE_BUNDLE, REQUIRE_BANNER } from './node-bundle';

const root = path.resolve(import.meta.dirname, '..');
export const DESKTOP_OUT = path.join(root, 'dist', 'desktop');
/** Chromium of Electron 45 and its Node. */
const CHROME = 'chrome140';
const NODE = 'node22';

async function run(options: BuildOptions & { write?: boolean }): Promise<string> {
  const result = await build({ bundle: true, logLevel: 'warning', legalComments: 'none', sourcemap: false, ...options });
  return result.outputFiles?.[0]?.text ?? '';
}

export function buildMain({ write = true } = {}): Promise<string> {
  return run({ entryPoints: [path.join(root, 'electron/main/main.ts')], outfile: path.join(DESKTOP_OUT, 'main.mjs'), platform: 'node', format: 'esm', target: NODE, external: ['electron'], banner: REQUIRE_BANNER, write });
}

export function buildPreload({ write = true } = {}): Promise<string> {
  return run({ entryPoints: [path.join(root, 'electron/preload/preload.ts')], outfile: path.join(DESKTOP_OUT, 'preload.cjs'), platform: 'browser', format: 'cjs', target: CHROME, external: ['electron'], write });
}

/** The PDF exports' fonts, beside core.mjs where export/fonts.ts looks for them (node_modules is not shipped). */
export function copyExportFonts(): void {
  const from = path.join(root, 'node_modules', 'dejavu-fonts-ttf', 'ttf');
  mkdirSync(path.join(DESKTOP_OUT, 'fonts'), { recursive: true });
  for (const f of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) cpSync(path.join(from, f), path.join(DESKTOP_OUT, 'fonts', f));
  cpSync(path.join(root, 'node_modules', 'dejavu-fonts-ttf', 'LICENSE'), path.join(DESKTOP_OUT, 'fonts', 'LICENSE'));
}

export function buildCore({ write = true } = {}): Promise<string> {
  if (write) copyExportFonts();
  // Bundled as the browser host and the benchmarks bundle it (scripts/node-bundle.ts): minified, built-ins through require.
  return run({ ...NODE_BUNDLE, entryPoints: [path.join(root, 'electron/core/entry.ts')], outfile: path.join(DESKTOP_OUT, 'core.mjs'), target: NODE, write });
}

export function buildRenderer(): void {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('The screen did not build (see above).');
}

export const APP_STAGE = path.join(root, 'dist', 'app');
const NATIVE = 'better-sqlite3-multiple-ciphers';

/**
 * Lays out a folder for electron-builder (build first): dist/app by default, with every prebuild of
 * the native module; the release (scripts/release/dist.ts) stages one folder per target with only
 * that target's prebuild, so no other platform's binary ships.
 */
export function stageApp(target = APP_STAGE, prebuilds: string[] | null = null): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(DESKTOP_OUT, path.join(target, 'dist', 'desktop'), { recursive: true });
  cpSync(path.join(root, 'dist', 'renderer'), path.join(target, 'dist', 'renderer'), { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, string>;
  const nativeDir = path.join(root, 'node_modules', NATIVE);
  const native = JSON.parse(readFileSync(path.join(nativeDir, 'package.json'), 'utf8')) as Record<string, unknown> & { version: string };
  const appPkg = { name: pkg.name, productName: 'Crisis Desk', version: pkg.version, description: pkg.description, license: pkg.license, author: 'Crisis Desk contributors', type: 'module', main: 'dist/desktop/main.mjs', dependencies: { [NATIVE]: native.version } };
  writeFileSync(path.join(target, 'package.json'), `${JSON.stringify(appPkg, null, 2)}\n`);
  const nativeOut = path.join(target, 'node_modules', NATIVE);
  for (const part of ['lib', 'LICENSE']) cpSync(path.join(nativeDir, part), path.join(nativeOut, part), { recursive: true });
  // Its dependency (node-addon-api) is for compiling only: the prebuilds need nothing at run time.
  const { dependencies: _buildOnly, devDependencies: _dev, scripts: _scripts, ...runtimePkg } = native;
  writeFileSync(path.join(nativeOut, 'package.json'), `${JSON.stringify(runtimePkg, null, 2)}\n`);
  if (prebuilds === null) cpSync(path.join(nativeDir, 'prebuilds'), path.join(nativeOut, 'prebuilds'), { recursive: true });
  else for (const name of prebuilds) cpSync(path.join(nativeDir, 'prebuilds', name), path.join(nativeOut, 'prebuilds', name));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await Promise.all([buildMain(), buildPreload(), buildCore()]);
  if (!process.argv.includes('--skip-renderer')) buildRenderer();
  // --prebuilds darwin-x64.node,darwin-arm64.node: only those native modules (a macOS build on a Mac).
  const only = process.argv.includes('--prebuilds') ? process.argv[process.argv.indexOf('--prebuilds') + 1]!.split(',') : null;
  if (process.argv.includes('--stage')) stageApp(APP_STAGE, only);
  console.log(`Desktop app built in ${path.relative(root, DESKTOP_OUT)} (main.mjs, preload.cjs, core.mjs) and dist/renderer.`);
}
