/*
 * `./desk open`: a fresh address for the Crisis Desk running in your browser (the tab was closed,
 * or you want it in another browser), printed and opened. Each address opens one tab, once.
 *   ./desk open [--data DIR] [--no-open]    DIR: the folder given to ./desk start (default .data)
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CODE_TTL_MS } from '../electron/host/host-access';
import { openInBrowser } from '../electron/host/open-in-browser';
import { freshDeskAddress } from './desk-address';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(root, '.data') },
    'no-open': { type: 'boolean', default: false },
  },
});

const address = await freshDeskAddress(path.resolve(values.data!));
if (!address.ok) {
  console.error(address.message);
  process.exit(1);
}
console.log(`Open Crisis Desk at ${address.url}`);
console.log(`  (it opens one tab, once, within ${CODE_TTL_MS / 60_000} minutes)`);
const desktop = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (!values['no-open'] && desktop) openInBrowser(address.deskDir, address.url);
