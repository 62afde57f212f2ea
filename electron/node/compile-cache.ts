import { mkdirSync } from 'node:fs';
import module from 'node:module';

/**
 * Node's compile cache for the desk's own code, in a folder of this user's: V8's code for the
 * bundle kept from the last start instead of parsing and compiling 3.4 MB of JavaScript again
 * (the browser host's code step 336 → 254 ms, median of 5, 7 December; ~40–80 ms of CPU). It has
 * to be turned on before the bundle is loaded, so the program's launcher (electron/host/launch.ts)
 * calls this and then imports the program. The folder must be the user's own (a data folder, or
 * Electron's userData), never a shared temporary one: what is in it is run.
 *
 * Best effort, and harmless when it cannot work: an older Node without the API, a folder that
 * cannot be made or written (read only, full, a file in its place) only means the code is
 * compiled as before. Returns the folder in use, or null.
 */
export function enableCompileCache(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const enable = (module as { enableCompileCache?: (dir: string) => { status: number; directory?: string } }).enableCompileCache;
    if (!enable) return null;
    const result = enable(dir);
    const { ENABLED, ALREADY_ENABLED } = (module as unknown as { constants: { compileCacheStatus: Record<string, number> } }).constants.compileCacheStatus;
    return result.status === ENABLED || result.status === ALREADY_ENABLED ? (result.directory ?? dir) : null;
  } catch {
    return null;
  }
}

/**
 * Writes what was compiled since the cache was turned on, rather than only when the process
 * exits (a process that is killed never writes it). Called once the program is up, off its
 * critical path. Harmless without a cache or the API.
 */
export function flushCompileCache(): void {
  try {
    (module as { flushCompileCache?: () => void }).flushCompileCache?.();
  } catch {
    // The next start compiles as before.
  }
}
