/*
 * Builds the desktop app into dist/desktop (what package.json "main" points at), plus the screen:
 *   main.mjs     Electron main (ESM), electron external
 *   preload.cjs  the screen's preload: one CommonJS file, as a sandboxed preload must be
 *   core.mjs     the core for the utilityProcess (better-sqlite3 stays external: a native module)
 *   ../renderer  the screen (vite build)
 * With --stage it also lays out dist/app, the folder electron-builder packages: the bundles, the
 * screen, a package.json of its own and the one native module (nothing else from node_modules).
 *   tsx scripts/build-desktop.ts [--skip-renderer] [--stage]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const DESKTOP_OUT = path.join(root, 'dist', 'desktop');
/** Chromium of Electron 45 and its Node. */
const CHROME = 'chrome140';
const NODE = 'node22';
// Aliased: a bundled package (pdfkit) imports createRequire itself, and two imports of one name do not link.
const requireBanner = { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" };

async function run(options: BuildOptions & { write?: boolean }): Promise<string> {
  const result = await build({ bundle: true, logLevel: 'warning', legalComments: 'none', sourcemap: false, ...options });
  return result.outputFiles?.[0]?.text ?? '';
}

export function buildMain({ write = true } = {}): Promise<string> {
  return run({ entryPoints: [path.join(root, 'electron/main/main.ts')], outfile: path.join(DESKTOP_OUT, 'main.mjs'), platform: 'node', format: 'esm', target: NODE, external: ['electron'], banner: requireBanner, write });
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
  return run({ entryPoints: [path.join(root, 'electron/core/entry.ts')], outfile: path.join(DESKTOP_OUT, 'core.mjs'), platform: 'node', format: 'esm', target: NODE, external: ['better-sqlite3-multiple-ciphers'], banner: requireBanner, write });
}

export function buildRenderer(): void {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('The screen did not build (see above).');
}

export const APP_STAGE = path.join(root, 'dist', 'app');
const NATIVE = 'better-sqlite3-multiple-ciphers';

/** Lays out dist/app for electron-builder (build first). */
export function stageApp(): void {
  rmSync(APP_STAGE, { recursive: true, force: true });
  mkdirSync(APP_STAGE, { recursive: true });
  cpSync(DESKTOP_OUT, path.join(APP_STAGE, 'dist', 'desktop'), { recursive: true });
  cpSync(path.join(root, 'dist', 'renderer'), path.join(APP_STAGE, 'dist', 'renderer'), { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, string>;
  const nativeDir = path.join(root, 'node_modules', NATIVE);
  const native = JSON.parse(readFileSync(path.join(nativeDir, 'package.json'), 'utf8')) as { version: string };
  const appPkg = { name: pkg.name, productName: 'Crisis Desk', version: pkg.version, description: pkg.description, license: pkg.license, type: 'module', main: 'dist/desktop/main.mjs', dependencies: { [NATIVE]: native.version } };
  writeFileSync(path.join(APP_STAGE, 'package.json'), `${JSON.stringify(appPkg, null, 2)}\n`);
  for (const part of ['package.json', 'lib', 'prebuilds', 'LICENSE']) cpSync(path.join(nativeDir, part), path.join(APP_STAGE, 'node_modules', NATIVE, part), { recursive: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await Promise.all([buildMain(), buildPreload(), buildCore()]);
  if (!process.argv.includes('--skip-renderer')) buildRenderer();
  if (process.argv.includes('--stage')) stageApp();
  console.log(`Desktop app built in ${path.relative(root, DESKTOP_OUT)} (main.mjs, preload.cjs, core.mjs) and dist/renderer.`);
}
