/*
 * Builds the desktop app into dist/desktop (what package.json "main" points at), plus the screen:
 *   main.mjs     Electron main (ESM), electron external
 *   preload.cjs  the screen's preload: one CommonJS file, as a sandboxed preload must be
 *   core.mjs     the core for the utilityProcess (better-sqlite3 stays external: a native module)
 *   ../renderer  the screen (vite build)
 *   tsx scripts/build-desktop.ts [--skip-renderer]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const DESKTOP_OUT = path.join(root, 'dist', 'desktop');
/** Chromium of Electron 45 and its Node. */
const CHROME = 'chrome140';
const NODE = 'node22';
const requireBanner = { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" };

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

export function buildCore({ write = true } = {}): Promise<string> {
  return run({ entryPoints: [path.join(root, 'electron/core/entry.ts')], outfile: path.join(DESKTOP_OUT, 'core.mjs'), platform: 'node', format: 'esm', target: NODE, external: ['better-sqlite3-multiple-ciphers'], banner: requireBanner, write });
}

export function buildRenderer(): void {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('The screen did not build (see above).');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  await Promise.all([buildMain(), buildPreload(), buildCore()]);
  if (!process.argv.includes('--skip-renderer')) buildRenderer();
  console.log(`Desktop app built in ${path.relative(root, DESKTOP_OUT)} (main.mjs, preload.cjs, core.mjs) and dist/renderer.`);
}
