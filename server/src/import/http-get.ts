import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AddressRefused, checkAddress, guardedLookup, type AllowList } from './address-guard';
import { countBytes, FeedTooLarge } from './read-limits';

/*
 * GET for URL imports: every hop of a redirect checked by the address guard on the address the
 * socket connects to, the answer's body streamed with its size limit enforced while it is read
 * (a Content-Length over the limit is refused before reading; a body that goes on past it is cut
 * off there), decompressed as it comes (the limit counts the decompressed bytes, so a compressed
 * bomb costs no more than the limit), and one timeout for the whole exchange.
 */

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The answer could not be used; the message names what, never the answer's content. */
export class UnusableAnswer extends Error {}

export interface HttpGetOptions {
  allow: AllowList;
  /** Largest body accepted, in bytes after decompression. */
  maxBytes: number;
  /** Counts the bytes read into the whole feed's total (and throws FeedTooLarge past its limit). */
  total: { read: number; max: number };
  signal: AbortSignal;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

export interface HttpAnswer {
  url: string;
  contentType: string;
  body: AsyncIterable<Uint8Array>;
}

function retryAfterMs(header: string | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

function requestOnce(url: URL, options: HttpGetOptions): Promise<IncomingMessage> {
  const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
  // An address written in the URL is checked here: no lookup is made for it.
  if (isIP(target.host)) checkAddress(options.allow, target, target.host);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'CrisisDesk-directory-import' },
      lookup: guardedLookup(options.allow, target) as never,
      agent: false,
      signal: options.signal,
    });
    req.on('response', resolve);
    req.on('error', (e: Error & { code?: string }) => reject(e.code === 'EADDRREFUSED' ? new AddressRefused(e.message) : e));
    req.end();
  });
}

function decoded(res: IncomingMessage): AsyncIterable<Uint8Array> {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  if (encoding !== '' && encoding !== 'identity') {
    res.destroy();
    throw new UnusableAnswer(`the answer is encoded as ${encoding.slice(0, 20)}, which the importer cannot read`);
  }
  return res;
}

/** Only the body's size: the limit is checked again while reading, whatever the headers say. */
function declaredLength(res: IncomingMessage): number | null {
  const n = Number(res.headers['content-length']);
  return Number.isFinite(n) && res.headers['content-length'] !== undefined ? n : null;
}

async function* limited(body: AsyncIterable<Uint8Array>, options: HttpGetOptions, res: IncomingMessage): AsyncGenerator<Uint8Array> {
  const page = { read: 0 };
  try {
    for await (const chunk of countBytes(body, options.maxBytes, page)) {
      options.total.read += chunk.length;
      if (options.total.read > options.total.max) throw new FeedTooLarge(options.total.max);
      yield chunk;
    }
  } finally {
    // Stop the download at once: an answer cut off at the limit is not read any further.
    res.destroy();
  }
}

/**
 * GETs a URL for an import. Resolves once the status is known (2xx), with the body to stream;
 * rejects with HttpStatusError for other statuses, AddressRefused for a refused address (on any
 * hop), UnusableAnswer for a redirect that goes nowhere or an answer over the size limit.
 */
export async function httpGet(start: string, options: HttpGetOptions): Promise<HttpAnswer> {
  let url = new URL(start);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnusableAnswer(`a redirect leads to a ${url.protocol.replace(':', '')} address, which imports do not follow`);
    const res = await requestOnce(url, options);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.destroy();
      if (hop >= (options.maxRedirects ?? 5)) throw new UnusableAnswer(`more than ${options.maxRedirects ?? 5} redirects`);
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status < 200 || status >= 300) {
      res.destroy();
      throw new HttpStatusError(status, retryAfterMs(res.headers['retry-after'] as string | undefined));
    }
    const length = declaredLength(res);
    if (length !== null && length > options.maxBytes) {
      res.destroy();
      throw new UnusableAnswer(`the answer is ${length} bytes, more than the ${options.maxBytes} accepted`);
    }
    return { url: url.toString(), contentType: String(res.headers['content-type'] ?? ''), body: limited(decoded(res), options, res) };
  }
}
