import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './test-temp-dir';
import { resolveInside } from '../node/resolve-inside';
import { RENDERER_CSP, serveRenderer } from './app-protocol';

let tmp: ReturnType<typeof makeTempDir>;
let root: string;

beforeAll(() => {
  tmp = makeTempDir('crisis-desk-protocol-');
  root = path.join(tmp.dir, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(path.join(root, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(path.join(tmp.dir, 'secret.txt'), 'outside the renderer');
});
afterAll(() => tmp.remove());

const get = (url: string, method = 'GET') => serveRenderer(root, { url, method });

describe('app://desk', () => {
  it('serves the built screen with a strict CSP', async () => {
    const res = await get('app://desk/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(RENDERER_CSP);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('app://desk/')).status).toBe(200);
    expect(await (await get('app://desk/assets/index.js')).text()).toBe('console.log(1)');
  });

  it('refuses every way out of the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/%252e%252e/secret.txt', '/..%5csecret.txt', '/assets/..\\..\\secret.txt', '/C:/Windows/win.ini', '/%00index.html', '/assets/%E0%A4%A']) {
      const res = await get(`app://desk${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('outside the renderer');
    }
    expect(resolveInside(root, '/../secret.txt')).toBeNull();
    expect(resolveInside(root, '/%2e%2e%2fsecret.txt')).toBeNull();
    expect(resolveInside(root, '/assets/index.js')).toBe(path.join(root, 'assets', 'index.js'));
  });

  it('answers 404 for folders, missing files and other hosts, and refuses writes', async () => {
    expect((await get('app://desk/assets')).status).toBe(404);
    expect((await get('app://desk/nope.js')).status).toBe(404);
    expect((await get('app://shell/index.html')).status).toBe(404);
    expect((await get('app://desk/index.html', 'POST')).status).toBe(405);
  });
});
