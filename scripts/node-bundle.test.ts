import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_BUNDLE } from './node-bundle';

const dir = mkdtempSync(path.join(tmpdir(), 'node-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bundles a program the way the core ships, runs it in a fresh Node, and returns its output and the bundle. */
async function bundleAndRun(source: string): Promise<{ out: string; code: string }> {
  const entry = path.join(dir, `entry-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(entry, source);
  const outfile = entry.replace(/\.ts$/, '.mjs');
  await build({ ...NODE_BUNDLE, entryPoints: [entry], outfile });
  return { out: execFileSync(process.execPath, [outfile], { encoding: 'utf8' }), code: readFileSync(outfile, 'utf8') };
}

describe('the Node bundle of the core and host', () => {
  it('reaches built-ins through require, so that importing node:http does not load undici (fetch)', async () => {
    const { out, code } = await bundleAndRun(`
      import { createServer } from 'node:http';
      import * as fs from 'fs';
      import { join } from 'node:path';
      const undici = (process as unknown as { moduleLoadList: string[] }).moduleLoadList.some((m) => m.includes('undici'));
      console.log(JSON.stringify({ server: typeof createServer, read: typeof fs.readFileSync, joined: join('a', 'b'), undici }));
    `);
    expect(JSON.parse(out)).toEqual({ server: 'function', read: 'function', joined: path.join('a', 'b'), undici: false });
    // The banner's createRequire is the only ESM import of a built-in left.
    expect(code.match(/\bimport\b[^;]*?\bfrom\s*["'](node:)?[a-z_/]+["']/g)).toEqual(["import { createRequire as __bundleCreateRequire } from 'node:module'"]);
  });

  it('ships ASCII only, so V8 holds the source at one byte a character, and without comments', async () => {
    const { out, code } = await bundleAndRun(`
      // A comment with a dash — and “quotes”, as packages' comments have.
      export const says = 'the desk’s records — kept';
      console.log(says);
    `);
    expect(out.trim()).toBe('the desk’s records — kept');
    expect(/[^\x00-\x7f]/.test(code)).toBe(false);
    expect(code).not.toContain('A comment with a dash');
  });
});
