import { performance } from 'node:perf_hooks';
import { PROTOCOL_HEADER, PROTOCOL_VERSION, type PullResponse, type PushResponse } from '../../../shared/sync/protocol';

/** A request that did not end in a 2xx answer; `kind` groups failures for the report. */
export class RequestFailure extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

export interface Timed<T> {
  value: T;
  ms: number;
}

/** What the changes feed sent: lines counted and bytes measured as they stream in, only the end line parsed. */
export interface FeedPage {
  rows: number;
  bytes: number;
  cursor: string;
  more: boolean;
}

/** The sync API as a desk calls it (bearer token, protocol header), each call timed to its whole body read. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** POST /v1/sync/push with an already serialised body (the desk builds its batch before the clock starts). */
  push(body: string): Promise<Timed<PushResponse>> {
    return this.timed('push', '/v1/sync/push', { method: 'POST', body, headers: { 'content-type': 'application/json' } }, (r) => r.json() as Promise<PushResponse>);
  }

  pull(cursor: string | null, limit: number): Promise<Timed<PullResponse>> {
    return this.timed('pull', `/v1/sync/records?${query(cursor, limit)}`, {}, (r) => r.json() as Promise<PullResponse>);
  }

  changes(cursor: string | null, limit: number): Promise<Timed<FeedPage>> {
    return this.timed('changes', `/v1/directory/changes?${query(cursor, limit)}`, {}, readFeed);
  }

  manifest(): Promise<Timed<{ cursor: string; version: number }>> {
    return this.timed('manifest', '/v1/directory/manifest', {}, (r) => r.json() as Promise<{ cursor: string; version: number }>);
  }

  /** Holds the hint stream (server-sent events) open as a desk does; counts `records` hints until aborted. */
  async holdHints(signal: AbortSignal, onRecordsHint: () => void): Promise<void> {
    try {
      const res = await fetch(new URL('/v1/sync/hints', this.baseUrl), { headers: this.headers(), signal });
      if (!res.ok || !res.body) throw new RequestFailure(`hints: HTTP ${res.status}`);
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        for (const _ of decoder.decode(chunk, { stream: true }).matchAll(/^event: records$/gm)) onRecordsHint();
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e instanceof RequestFailure ? e : failure('hints', e);
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION), ...extra };
  }

  private async timed<T>(what: string, path: string, init: RequestInit, read: (r: Response) => Promise<T>): Promise<Timed<T>> {
    const started = performance.now();
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { ...init, headers: this.headers(init.headers as Record<string, string>) });
    } catch (e) {
      throw failure(what, e);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new RequestFailure(`${what}: HTTP ${res.status}${body.error ? ` ${body.error}` : ''}`);
    }
    try {
      const value = await read(res);
      return { value, ms: performance.now() - started };
    } catch (e) {
      throw failure(what, e);
    }
  }
}

const query = (cursor: string | null, limit: number) => new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) }).toString();

/** A network failure named by its code (ECONNRESET, UND_ERR_SOCKET, …), never by a message that could quote data. */
function failure(what: string, e: unknown): RequestFailure {
  const cause = (e as { cause?: { code?: string } }).cause;
  return new RequestFailure(`${what}: ${cause?.code ?? (e as Error).name ?? 'error'}`);
}

/** Longer than any end line: the end line is always within the last TAIL bytes. */
const TAIL = 16 * 1024;

async function readFeed(res: Response): Promise<FeedPage> {
  let lines = 0;
  let bytes = 0;
  let tail: Uint8Array = new Uint8Array(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.byteLength >= TAIL) tail = chunk.subarray(chunk.byteLength - TAIL);
    else {
      const joined = new Uint8Array(tail.byteLength + chunk.byteLength);
      joined.set(tail);
      joined.set(chunk, tail.byteLength);
      tail = joined.subarray(Math.max(0, joined.byteLength - TAIL));
    }
  }
  const last = new TextDecoder().decode(tail).trimEnd().split('\n').at(-1)!;
  const end = JSON.parse(last) as { op: string; cursor: string; more: boolean };
  if (end.op !== 'end') throw new Error('the changes feed did not finish with its end line');
  return { rows: lines - 1, bytes, cursor: end.cursor, more: end.more };
}
