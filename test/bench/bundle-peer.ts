import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// Beside the other bundles, inside the repository, so that packages resolve from node_modules.
const bundleDir = path.resolve(import.meta.dirname, '../../node_modules/.cache/crisis-desk-bundles');

/**
 * Bundles a peer's benchmark child with every package left external: a package such as PouchDB
 * (LevelDB's native binding found relative to its own files) loads as Node would load it for any
 * application, while our own TypeScript around it is compiled away (no loader in the process).
 */
export async function bundlePeer(entry: string): Promise<string> {
  mkdirSync(bundleDir, { recursive: true });
  const outfile = path.join(bundleDir, `${path.basename(entry, '.ts')}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node22', logLevel: 'warning' });
  return outfile;
}
