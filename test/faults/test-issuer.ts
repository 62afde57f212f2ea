import { createServer, type Server } from 'node:http';
import { generateSigningKey, signAccessToken, type SigningKey } from '../../server/src/auth/tokens';
import type { TestUser } from '../support/server-fixtures';

export const FAULT_AUDIENCE = 'crisis-desk-api';

/** A stand-in identity provider for a server run as its own process: OIDC discovery and keys on 127.0.0.1. */
export class TestIssuer {
  private server: Server | null = null;
  private key: SigningKey | null = null;
  url = '';

  async start(): Promise<void> {
    const key = (this.key = await generateSigningKey());
    this.server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: this.url, jwks_uri: `${this.url}/keys` }));
      else if (req.url === '/keys') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  token(user: TestUser, ttlSeconds = 600): Promise<string> {
    return signAccessToken(this.key!, { ...user, displayName: user.userId }, { issuer: this.url, audience: FAULT_AUDIENCE, ttlSeconds });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
