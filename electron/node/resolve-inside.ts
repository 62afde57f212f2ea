import path from 'node:path';

/**
 * Resolves a URL path inside root, or null when it would leave it: `..` (plain or percent-encoded,
 * once or twice), backslashes, NUL, drive letters and absolute paths are all refused. One rule for
 * the desktop app's app:// protocol and the browser host's files (the host answers on a TCP port,
 * so anything on this computer can ask it).
 */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // A second layer of encoding, a backslash (a separator on Windows) or NUL is never a real asset.
  if (/%[0-9a-f]{2}/i.test(decoded) || decoded.includes('\\') || decoded.includes('\0')) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || /^[a-z]:$/i.test(s))) return null;
  const base = path.resolve(root);
  const full = path.resolve(base, `.${path.posix.normalize(`/${decoded}`)}`);
  return full.startsWith(base + path.sep) ? full : null;
}
