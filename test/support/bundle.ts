import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// Inside the repository so that the bundle resolves the external native module from node_modules.
const bundleDir = path.resolve(import.meta.dirname, '../../node_modules/.cache/crisis-desk-bundles');

/**
 * Bundles a program (a benchmark child, the core for fault tests) the way the product ships its
 * core: one JavaScript file, no TypeScript loader in the process, so that start-up time and memory
 * are the product's own. `name` keeps bundles of different entries apart; `dir` puts the bundle
 * elsewhere (a program that finds its data relative to its own file needs a folder as deep as its
 * source's).
 */
export async function bundle(entry: string, name = path.basename(entry, '.ts'), dir = bundleDir): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['better-sqlite3-multiple-ciphers'],
    // Aliased as in scripts/build-desktop.ts: a bundled package (pdfkit) imports createRequire itself.
    banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

