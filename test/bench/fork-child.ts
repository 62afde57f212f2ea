import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// Inside the repository so that the bundle resolves the external native module from node_modules.
const bundleDir = path.resolve(import.meta.dirname, '../../node_modules/.cache/crisis-desk-bench');

/**
 * Bundles a benchmark child the way the product ships its core (one JavaScript file, no
 * TypeScript loader in the process), so that start-up time and memory are the product's own.
 */
export async function bundle(entry: string): Promise<string> {
  mkdirSync(bundleDir, { recursive: true });
  const outfile = path.join(bundleDir, `${path.basename(entry, '.ts')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['better-sqlite3-multiple-ciphers'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

/** Runs a bundled benchmark child with one job message and returns its one answer. */
export function runChild<T>(file: string, job: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(file, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (m) => {
      answered = true;
      resolve(m as T);
      child.kill();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`${file} exited with ${code} before answering`));
    });
    child.send(job as object);
  });
}
