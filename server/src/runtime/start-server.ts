import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BaseLogger } from 'pino';
import { buildServer, type App, type RouteModule, type ServerDeps } from '../app';
import { createServerAuth } from '../auth/server-auth';
import type { ServerConfig } from '../config';
import { connectPostgres, openPglite, type Db, type PoolOptions } from '../db/db';
import { migrate } from '../db/migrations';
import { seedDemoDirectory } from '../demo/seed-directory';
import { seedDemoUsers } from '../demo/seed-users';
import { createHintBus } from '../hints/create-hint-bus';
import { routeModules } from '../routes';
import { lockDataFolder } from './data-folder-lock';
import { secureDataDir, tightenTree } from './data-dir';
import { endEventStreamsOnClose } from './event-streams';
import { loadLogPseudonymiser } from './log-pseudonyms';

/** How long shutdown waits for in-flight requests before cutting the connections still open. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface StartOptions {
  log: BaseLogger;
  /** The route modules to register (default: all of routes.ts). */
  modules?: RouteModule[];
  /** An open database to use instead of the configured one; it is closed on stop. */
  db?: Db;
  graceMs?: number;
}

export interface RunningServer {
  app: App;
  deps: ServerDeps;
  url: string;
  /** Graceful stop: refuse new requests, finish in-flight ones, end event streams, close the database. */
  stop(): Promise<void>;
}

/** How this node uses the shared PostgreSQL, from the environment (config.ts). */
export function poolOptions(config: ServerConfig): PoolOptions {
  return {
    max: config.DATABASE_POOL_MAX,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    applicationName: `crisis-desk ${config.nodeName}`.slice(0, 63),
  };
}

/** DATABASE_URL → that PostgreSQL; otherwise PGlite in DATA_DIR/pglite, locked to this process while open. DATA_DIR is made (or checked) private first. */
export async function openDatabase(config: ServerConfig): Promise<Db> {
  const dataDir = secureDataDir(config.DATA_DIR);
  if (config.DATABASE_URL) return connectPostgres(config.DATABASE_URL, poolOptions(config));
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = lockDataFolder(dir);
  try {
    const db = await openPglite(dir);
    tightenTree(dir);
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** Opens and migrates the database, seeds the demo, builds the app and listens on HOST:PORT. */
export async function startServer(config: ServerConfig, options: StartOptions): Promise<RunningServer> {
  const { log } = options;
  if (config.PORT === 0 && !config.PUBLIC_URL && !config.OIDC_ISSUER) {
    throw new Error('PORT=0 needs PUBLIC_URL: the built-in identity provider names itself by the URL desks reach it at.');
  }
  // DATA_DIR holds the artefact cache (and the demo's key secret) even when the database is elsewhere.
  if (options.db) secureDataDir(config.DATA_DIR);
  const db = options.db ?? (await openDatabase(config));
  // What is open so far, closed in reverse on stop, or when a later step of starting fails.
  const opened: (() => Promise<void> | void)[] = [() => db.close()];
  const closeOpened = async () => {
    for (const close of opened.reverse()) await close();
  };
  let app: App | undefined;
  try {
    const schemaVersion = await migrate(db);
    log.info({ database: db.kind, schemaVersion }, 'database ready');
    if (config.DEMO === '1') {
      const { created } = await seedDemoUsers(db);
      log.info({ created: created.length }, 'demo trusts, teams and users in place');
      if (config.OIDC_ISSUER) log.warn('DEMO=1 with OIDC_ISSUER: the demo users have passwords only for the built-in provider, which is off');
    }
    const auth = await createServerAuth(db, config, { log });
    opened.push(() => auth.close());
    const hints = createHintBus(db, config, (e) => log.warn({ err: { type: e.name, code: (e as { code?: unknown }).code } }, 'hint bus connection problem'));
    opened.push(() => hints.close());
    const deps: ServerDeps = { db, config, verifyToken: auth.verifyToken, hints, pseudonymise: await loadLogPseudonymiser(db) };
    if (config.DEMO === '1' && config.DEMO_DIRECTORY_FILE) await seedDemoDirectory(deps, config.DEMO_DIRECTORY_FILE, log);
    app = await buildServer(deps, [endEventStreamsOnClose, ...(options.modules ?? routeModules)]);
    const running = app;
    await app.listen({ host: config.HOST, port: config.PORT });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = config.PUBLIC_URL?.replace(/\/+$/, '') ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        await closeGracefully(running, options.graceMs ?? SHUTDOWN_GRACE_MS);
        await closeOpened();
        log.info('stopped');
      })());
    return { app, deps, url, stop };
  } catch (e) {
    await app?.close().catch(() => {});
    await closeOpened().catch(() => {});
    throw e;
  }
}

/**
 * Stops accepting connections and waits for in-flight requests; after graceMs, connections still
 * open (a stuck client, a stream that did not end) are cut so the database can still close cleanly.
 */
async function closeGracefully(app: App, graceMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
