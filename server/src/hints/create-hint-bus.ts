import type { HintBus } from '../app';
import type { ServerConfig } from '../config';
import type { Db } from '../db/db';
import { createLocalHintBus } from './local-hint-bus';
import { createPgHintBus } from './pg-hint-bus';

/**
 * The hint bus for a deployment: LISTEN/NOTIFY when the server runs on a real PostgreSQL (any
 * number of API nodes share it); in-process with PGlite, which only one process can open anyway.
 */
export function createHintBus(db: Db, config: ServerConfig, onError?: (e: Error) => void): HintBus {
  if (db.kind === 'postgres' && config.DATABASE_URL) return createPgHintBus({ db, connectionString: config.DATABASE_URL, ...(onError ? { onError } : {}) });
  return createLocalHintBus();
}
