/** A client of the built-in identity provider. All are public clients (no secret): they prove themselves with PKCE. */
export interface DevClient {
  clientId: string;
  name: string;
  /** Redirect URIs matched exactly. */
  redirectUris: string[];
  /** A native app: any port and path on the loopback interface (RFC 8252 §7.3). */
  allowLoopback: boolean;
  /** Paths on this server's own public address (the admin console, served by the API itself). */
  ownPaths?: string[];
}

import { DESK_CLIENT_ID } from '../../../../shared/sync/sign-in-provider';

export const CONSOLE_CLIENT_ID = 'crisis-desk-console';
export const CONSOLE_CALLBACK_PATH = '/console/callback';

export const DEFAULT_CLIENTS: DevClient[] = [
  { clientId: DESK_CLIENT_ID, name: 'Crisis Desk', redirectUris: [], allowLoopback: true },
  { clientId: CONSOLE_CLIENT_ID, name: 'the Crisis Desk admin console', redirectUris: [], allowLoopback: false, ownPaths: [CONSOLE_CALLBACK_PATH] },
];

/**
 * True when the client may be sent back to this URI: exactly a registered one, or for a native app
 * plain http to 127.0.0.1 or [::1] on any port (RFC 8252 §7.3; `localhost` is not accepted, §8.3).
 */
export function isAllowedRedirect(client: DevClient, uri: string, issuer?: string): boolean {
  if (client.redirectUris.includes(uri)) return true;
  if (issuer && client.ownPaths?.some((p) => uri === `${issuer}${p}`)) return true;
  if (!client.allowLoopback) return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return url.protocol === 'http:' && loopback && url.username === '' && url.password === '' && url.hash === '' && !uri.includes('#');
}
