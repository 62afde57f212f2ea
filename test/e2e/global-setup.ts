import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** Builds the screen once per run (skip with CRISIS_DESK_SKIP_BUILD=1 when it was just built). */
export default function globalSetup(): void {
  if (!existsSync('/usr/bin/chromium') && !process.env.CHROMIUM_PATH) {
    throw new Error('Chromium is missing: install Debian’s package (apt-get install -y chromium). Playwright must not download its own.');
  }
  if (process.env.CRISIS_DESK_SKIP_BUILD === '1' && existsSync(path.join(root, 'dist/renderer/index.html'))) return;
  execFileSync(path.join(root, 'node_modules/.bin/vite'), ['build', 'renderer', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}
