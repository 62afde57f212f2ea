import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../../scripts/node-bundle';

// Inside the repository so that the bundle resolves the external native module from node_modules.
const bundleDir = path.resolve(import.meta.dirname, '../../node_modules/.cache/crisis-desk-bundles');

/**
 * Bundles a program (a benchmark child, the core for fault tests) the way the product ships its
 * core (scripts/node-bundle.ts): one minified JavaScript file, no TypeScript loader in the process,
 * so that start-up time and memory are the product's own. `name` keeps bundles of different entries apart; `dir` puts the bundle
 * elsewhere (a program that finds its data relative to its own file needs a folder as deep as its
 * source's); `splitting` keeps what the entry imports dynamically in files of their own.
 */
export async function bundle(entry: string, name = path.basename(entry, '.ts'), dir = bundleDir, opts: { splitting?: boolean } = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `${name}.mjs`);
  // Split: what the entry imports dynamically becomes a file of its own (`<name>-<hash>.mjs`
  // beside it), compiled only when imported (electron/host/launch.ts).
  if (opts.splitting) await build({ ...NODE_BUNDLE, entryPoints: { [name]: entry }, outdir: dir, splitting: true, chunkNames: `${name}-[hash]`, outExtension: { '.js': '.mjs' } });
  else await build({ ...NODE_BUNDLE, entryPoints: [entry], outfile });
  return outfile;
}

