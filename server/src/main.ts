/*
 * The Crisis Desk central API: `npm run server`. Configuration comes from the environment
 * (server/src/config.ts); SIGTERM or SIGINT stops it gracefully.
 */
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { loadConfig } from './config';
import { demoBanner } from './demo/banner';
import { SHUTDOWN_GRACE_MS, startServer } from './runtime/start-server';

/** An error's kind and where it happened, without its message (which may quote the data it choked on). */
function errorShape(e: unknown) {
  const err = e as { name?: string; code?: unknown; stack?: string };
  return { type: err?.name ?? typeof e, code: err?.code, stack: err?.stack?.split('\n').slice(1).join('\n') };
}

let config;
try {
  config = loadConfig();
} catch (e) {
  pino().fatal((e as Error).message);
  process.exit(1);
}
const log = pino({ level: config.LOG_LEVEL });

let server;
try {
  server = await startServer(config, { log });
} catch (e) {
  // Start-up errors name configuration and connections (no call data exists yet), so the message is kept.
  log.fatal({ err: { ...errorShape(e), message: (e as Error).message } }, 'the server could not start');
  process.exit(1);
}

const running = server;
closeWithGrace({ delay: SHUTDOWN_GRACE_MS + 5_000, logger: { error: (m: unknown) => log.error(typeof m === 'string' ? { detail: m } : { err: errorShape(m) }, 'shutdown problem') } }, async ({ signal, err }) => {
  if (err) log.error({ err: errorShape(err) }, 'fatal error: shutting down');
  else log.info({ signal }, 'shutting down: finishing requests in flight');
  await running.stop();
});

// Started by `./desk start` (with an IPC channel): if that supervisor goes, the server stops as on
// SIGTERM, rather than stay behind holding the port and the PGlite folder.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

log.info({ url: running.url, identityProvider: config.OIDC_ISSUER ?? 'built-in', demo: config.DEMO === '1' }, 'Crisis Desk API listening');
// For the person at the terminal; stderr keeps stdout a stream of JSON log lines.
if (config.DEMO === '1' && !config.OIDC_ISSUER) process.stderr.write(`${demoBanner(running.url)}\n`);
