import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '../../../shared/sync/protocol';
import { retryAfterMs } from './backoff';
import type { TokenSource } from './token-source';

/** The server could not be reached, or stopped answering mid-way: the desk is offline. */
export class ServerUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerUnreachable';
  }
}

/** The server answered with an error status. */
export class ServerRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs: number | null,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ServerRefused';
  }
}

/** Nobody is signed in, or the session cannot be renewed: sync waits for a sign-in. */
export class SignInRequired extends Error {
  constructor(message = 'Sign in to sync.') {
    super(message);
    this.name = 'SignInRequired';
  }
}

/** The server no longer speaks this desk's protocol (426): the desk must be updated. */
export class UpdateRequired extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateRequired';
  }
}

export interface SyncHttpOptions {
  serverUrl: string;
  tokens: TokenSource;
  fetch?: typeof fetch;
  /** How long to wait for the answer's headers (not for its body: see idleTimeoutMs). */
  timeoutMs?: number;
  /** How long a body may go without a byte before the transfer counts as hung. */
  idleTimeoutMs?: number;
  now?: () => number;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  json?: unknown;
  /** A JSON body already written as text (sent as it is, instead of `json`). */
  jsonText?: string;
  headers?: Record<string, string>;
  /** Aborts the request (the engine stopping). */
  signal?: AbortSignal;
  /** Send under this person's session (their changes go only under their own); absent: the signed-in person's. */
  as?: string;
}

/**
 * HTTP to the central API: bearer token (renewed once on a 401), protocol header, timeouts for
 * the headers and for a body that stops arriving, and errors sorted into what the engine does
 * about them (offline, refused, sign in, update).
 */
export class SyncHttp {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: SyncHttpOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 20_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * One fetch. `timeoutMs` bounds the wait for the answer's headers only: once they have arrived
   * the body is read through bytes(), which fails only when it stops arriving for idleTimeoutMs.
   * A whole-request deadline would cut the long-lived hints stream every timeoutMs (it did, every
   * ~21 s, flipping the status bar to "Offline since…" against a healthy server) and any snapshot
   * download slower than it.
   */
  private async send(path: string, init: RequestOptions, token: string): Promise<Response> {
    const headersDeadline = new AbortController();
    const timer = setTimeout(() => headersDeadline.abort(new DOMException('No answer in time.', 'TimeoutError')), this.timeoutMs);
    const signals = [headersDeadline.signal, ...(init.signal ? [init.signal] : [])];
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION), ...init.headers };
    const body = init.jsonText ?? (init.json === undefined ? undefined : JSON.stringify(init.json));
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetch(new URL(path, this.opts.serverUrl), {
        method: init.method ?? 'GET',
        headers,
        body,
        signal: AbortSignal.any(signals),
      });
    } catch (e) {
      if (init.signal?.aborted) throw e;
      throw new ServerUnreachable(`Cannot reach the server (${headersDeadline.signal.aborted ? 'no answer' : 'connection failed'}).`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a request; answers a response with a 2xx (or 304/206) status, or throws. */
  async request(path: string, init: RequestOptions = {}): Promise<Response> {
    let token = await this.opts.tokens.accessToken(init.as);
    if (!token) throw new SignInRequired();
    let res = await this.send(path, init, token);
    if (res.status === 401) {
      await res.body?.cancel();
      token = await this.opts.tokens.renewAccessToken(init.as);
      if (!token) throw new SignInRequired('Your session has ended: sign in to sync.');
      res = await this.send(path, init, token);
      if (res.status === 401) {
        await res.body?.cancel();
        throw new SignInRequired('The server did not accept your session: sign in to sync.');
      }
    }
    if (res.ok || res.status === 304) return res;
    const body = await this.readErrorBody(res);
    if (res.status === 426) throw new UpdateRequired(body.message ?? 'This version of Crisis Desk is too old for the server: install the update.');
    throw new ServerRefused(res.status, body.error ?? `http_${res.status}`, body.message ?? `The server answered ${res.status}.`, retryAfterMs(res.headers.get('retry-after'), this.now()), body.raw);
  }

  /** A JSON answer, checked by the caller's parser. */
  async json<T>(path: string, parse: (v: unknown) => T, init: RequestOptions = {}): Promise<T> {
    const res = await this.request(path, init);
    const text = await this.readText(res);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ServerUnreachable('The server’s answer was cut short or garbled.');
    }
    return parse(value);
  }

  /** The body as bytes, failing as unreachable when it stops arriving for idleTimeoutMs. */
  async *bytes(res: Response, idleTimeoutMs = this.idleTimeoutMs): AsyncGenerator<Uint8Array> {
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ServerUnreachable('The server stopped sending mid-way.')), idleTimeoutMs);
        });
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await Promise.race([reader.read(), idle]);
        } catch (e) {
          if (e instanceof ServerUnreachable) throw e;
          throw new ServerUnreachable('The connection dropped mid-way.');
        } finally {
          clearTimeout(timer);
        }
        if (chunk.done) return;
        yield chunk.value;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  private async readText(res: Response): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.bytes(res)) parts.push(chunk);
    return Buffer.concat(parts).toString('utf8');
  }

  /** The `{ error, message }` of a refusal; read like any body (idle timeout), never trusted to be JSON. */
  private async readErrorBody(res: Response): Promise<{ error?: string; message?: string; raw: unknown }> {
    try {
      const raw = JSON.parse(await this.readText(res)) as { error?: unknown; message?: unknown } | null;
      return {
        error: typeof raw?.error === 'string' ? raw.error : undefined,
        message: typeof raw?.message === 'string' ? raw.message : undefined,
        raw,
      };
    } catch {
      return { raw: null };
    }
  }
}

