import Fastify from 'fastify';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError } from './client-error';

/** Sends raw bytes and reads everything the server sends until it closes the connection. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

describe('answerClientError: requests Node cannot parse', () => {
  let app: ReturnType<typeof Fastify>;
  let port: number;
  beforeAll(async () => {
    app = Fastify({ clientErrorHandler: answerClientError });
    app.get('/thing', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  const long = `/thing?q=${'x'.repeat(17_000)}`;

  it('answers headers past the limit with 431 and {error, message} saying what to do, and closes', async () => {
    const answer = await exchange(port, `GET ${long} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toMatch(/\r\nConnection: close/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({ error: 'headers_too_large', message: expect.stringMatching(/shorter query/) });
  });

  it('sends no body after a HEAD, which a client would read as the next answer', async () => {
    const answer = await exchange(port, `HEAD ${long} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
    expect(answer).not.toContain('{');
  });

  it('answers bytes that are not HTTP with 400, and the server carries on', async () => {
    const answer = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toMatchObject({ error: 'bad_request' });
    expect((await fetch(`http://127.0.0.1:${port}/thing`)).status).toBe(200);
  });
});
