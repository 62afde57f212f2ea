/*
 * PostgreSQL errors that mean "another transaction got there first", not "this batch is wrong":
 * two desks creating the same record id at once (unique_violation), a deadlock, a serialization
 * failure. Running the whole transaction again sees the other's committed work and decides afresh.
 */
const CONTENTION_CODES = new Set(['23505', '40001', '40P01']);
const ATTEMPTS = 5;

export async function retryOnContention<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== 'string' || !CONTENTION_CODES.has(code)) throw e;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
