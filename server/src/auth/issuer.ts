import type { ServerConfig } from '../config';

/** The built-in identity provider's issuer: the server's public URL, without a trailing slash. */
export function builtInIssuer(config: ServerConfig): string {
  return config.publicUrl.replace(/\/+$/, '');
}
