/*
 * The browser host's launcher, as its bundle is started (test/bench/host-desk.ts): turns on Node's
 * compile cache in the data folder (electron/node/compile-cache.ts), and only then loads the host
 * itself (main.ts, a chunk of its own), so that its 3.4 MB of code is read from V8's cache instead
 * of compiled at every start. Same arguments as main.ts; `tsx electron/host/main.ts` (./desk start,
 * the tests) has tsx's own cache and does not need this.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { enableCompileCache, flushCompileCache } from '../node/compile-cache';
import { DEFAULT_DATA_DIR } from './data-dir';

const { values } = parseArgs({ options: { data: { type: 'string' } }, strict: false, allowPositionals: true });
// The same folder main.ts opens.
const dataDir = path.resolve(typeof values.data === 'string' ? values.data : DEFAULT_DATA_DIR);
enableCompileCache(path.join(dataDir, 'compile-cache'));
await import('./main');
// Once it answers: what was compiled is kept for the next start, a while later so as not to hold up the first requests.
setTimeout(flushCompileCache, 10_000).unref();
