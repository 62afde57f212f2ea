/*
 * Limits enforced while a feed is read, not after: a feed larger than the limit is cut off at the
 * limit, whatever its headers claimed, and an endless answer costs no more than the limit.
 */

/** How much of a feed is read at most. */
export interface ReadLimits {
  /** Bytes of the whole feed (every page, table or file), after decompression. */
  maxBytes: number;
  /** Bytes of one page of an API feed. */
  maxPageBytes: number;
  /** Service records; the rest of a longer feed is not read. */
  maxRecords: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  // A full ORUK record is 2–5 kB: a 100,000-service feed in detail is about 400 MB.
  maxBytes: 1024 * 1024 * 1024,
  maxPageBytes: 50 * 1024 * 1024,
  maxRecords: 250_000,
};

/** More bytes than the limit arrived; reading stopped at the limit. */
export class FeedTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`more than the ${limit} bytes accepted`);
  }
}

/**
 * Passes the chunks on while counting them into `counter`; throws FeedTooLarge as soon as the
 * count passes `max` (the chunk that passed it is not handed on).
 */
export async function* countBytes(chunks: AsyncIterable<Uint8Array | string>, max: number, counter: { read: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    counter.read += bytes.length;
    if (counter.read > max) throw new FeedTooLarge(max);
    yield bytes;
  }
}
