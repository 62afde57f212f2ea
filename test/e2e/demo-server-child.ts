/*
 * The central API for the end-to-end tests, as its own process (run with tsx, forked by
 * demo-server.ts): the demo server on PGlite in DATA_DIR with a generated demo directory. It answers
 * the test's SQL questions over IPC, and stops (gracefully, then exits) when told to.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { writeDirectoryNdjson } from '../../scripts/synthetic/write-ndjson';
import { loadConfig } from '../../server/src/config';
import { startServer } from '../../server/src/runtime/start-server';

type Message = { kind: 'query'; id: number; sql: string; params: unknown[] } | { kind: 'stop' };

const root = path.resolve(import.meta.dirname, '../..');
const config = loadConfig(process.env);
const file = config.DEMO_DIRECTORY_FILE!;
if (!existsSync(file)) {
  const count = Number(process.env.DEMO_SERVICES ?? 3000);
  writeDirectoryNdjson(file, generateDirectory({ seed: 1, count, sectors: loadEnglandSectors(path.join(root, 'data', 'geo')) }));
}
const server = await startServer(config, { log: pino({ level: 'silent' }), graceMs: 500 });
process.on('message', (m: Message) => {
  void (async () => {
    if (m.kind === 'stop') {
      await server.stop();
      process.exit(0);
    }
    try {
      process.send!({ kind: 'rows', id: m.id, rows: await server.deps.db.query(m.sql, m.params) });
    } catch (e) {
      process.send!({ kind: 'rows', id: m.id, error: (e as Error).message });
    }
  })();
});
process.send!({ kind: 'ready', url: server.url });
