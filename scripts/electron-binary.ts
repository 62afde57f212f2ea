import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The Electron binary, when this machine has one. Read from the electron package's path.txt, never
 * by requiring 'electron': that downloads the binary when it is missing, which must not happen here.
 */
export function electronBinary(): string | null {
  try {
    const pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const rel = readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim();
    const binary = path.join(pkgDir, 'dist', rel);
    return rel && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}
