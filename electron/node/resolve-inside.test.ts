import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveInside } from './resolve-inside';

const ROOT = path.resolve('/srv/app');

describe('resolveInside: a URL path to a file inside the served folder, or null', () => {
  it('finds the files inside', () => {
    expect(resolveInside(ROOT, '/index.html')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveInside(ROOT, '/assets/index-3f2a.js')).toBe(path.join(ROOT, 'assets', 'index-3f2a.js'));
    expect(resolveInside(ROOT, '/assets/./a%20b.css')).toBe(path.join(ROOT, 'assets', 'a b.css'));
    // A relative root is taken from the working folder, as the host's --renderer is.
    expect(resolveInside('dist/renderer', '/index.html')).toBe(path.resolve('dist/renderer', 'index.html'));
  });

  it('refuses every way out, and what is never a real asset', () => {
    for (const p of [
      '/../etc/passwd',
      '/assets/../../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/%2e%2e%2fetc%2fpasswd',
      '/%252e%252e/etc/passwd',
      '/..%5cetc%5cpasswd',
      '/assets/..\\..\\etc\\passwd',
      '/C:/Windows/win.ini',
      '/c:',
      '/%00',
      '/index.html%00.js',
      '/assets/%E0%A4%A',
      '/',
      '',
    ]) {
      expect(resolveInside(ROOT, p), p).toBeNull();
    }
  });

  it('never answers with a path outside the folder, whatever is asked', () => {
    const segment = fc.oneof(fc.constantFrom('..', '.', '%2e%2e', '%252e', '\\..', 'C:', '%00', 'assets', 'x.js', ''), fc.string());
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (parts) => {
        const full = resolveInside(ROOT, `/${parts.join('/')}`);
        return full === null || full.startsWith(ROOT + path.sep);
      }),
      { numRuns: 2000 },
    );
  });
});
