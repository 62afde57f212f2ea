import type { ConnectionError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/*
 * A request Node cannot parse — headers or an address past its 16 KB limit, bytes that are not
 * HTTP — never reaches Fastify's routes; Node hands the socket to this answer instead. Fastify's
 * own answer always carries a JSON body, also after a HEAD, where a client reads no body: the
 * route fuzz's HEAD with a 16 KB query then read that body as the next answer ("Expected HTTP/").
 * This answers as Fastify does, with {error, message} and what to do, but with no body after a
 * HEAD (the method is the first word of what was received), and closes the connection.
 */

/** The first bytes received: a Buffer from Node (Fastify's types give its JSON form). */
function received(err: ConnectionError): Buffer {
  const raw = err.rawPacket as unknown;
  if (Buffer.isBuffer(raw)) return raw;
  const data = (raw as { data?: unknown } | undefined)?.data;
  return Array.isArray(data) ? Buffer.from(data as number[]) : Buffer.alloc(0);
}

function answerFor(err: ConnectionError): { status: number; error: string; message: string } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, error: 'request_timeout', message: 'The request took too long to arrive: send it again.' };
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, error: 'headers_too_large', message: 'The request’s address and headers are longer than the server takes (16 KB): send a shorter query.' };
  }
  return { status: 400, error: 'bad_request', message: 'The request is not well-formed HTTP.' };
}

/** Fastify's `clientErrorHandler`. */
export function answerClientError(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, error, message } = answerFor(err);
    const head = received(err).subarray(0, 5).toString('latin1') === 'HEAD ';
    const body = head ? '' : JSON.stringify({ error, message });
    const length = head ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\n`;
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${length}Connection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
