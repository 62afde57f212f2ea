import { createServer } from 'node:net';

/**
 * A port free on 127.0.0.1 just now. The built-in identity provider names itself by the server's
 * URL, which must be known before the app is built; so tests pick the port first, then listen on it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
