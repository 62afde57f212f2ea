import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../electron/main/test-temp-dir';
import { scanElectron } from './electronegativity';

describe('the Electronegativity check', () => {
  it('fails on a window with Node integration and no sandbox, and on a file it cannot parse', async () => {
    const tmp = makeTempDir('crisis-desk-eneg-');
    try {
      const weak = path.join(tmp.dir, 'weak.ts');
      writeFileSync(weak, "import { BrowserWindow } from 'electron';\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n");
      const broken = path.join(tmp.dir, 'broken.ts');
      writeFileSync(broken, 'const = ;\n');
      const r = await scanElectron([weak, broken], tmp.dir);
      expect(r.failures.map((f) => f.id)).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK']));
      expect(r.parseErrors.join()).toContain('broken.ts');
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
