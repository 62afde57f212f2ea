/*
 * The peer's server: express-pouchdb (the CouchDB replication protocol over pouchdb-node/LevelDB)
 * on 127.0.0.1, in a process of its own. Started by pouch-remote.ts with an IPC channel:
 *   { dataDir } → { port }
 */
import { mkdirSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import PouchDB from 'pouchdb-node';

// express-pouchdb ships no types: a function from a PouchDB constructor to a request handler.
const expressPouchDB = createRequire(import.meta.url)('express-pouchdb') as (db: unknown, options: object) => RequestListener;

process.once('message', ({ dataDir }: { dataDir: string }) => {
  mkdirSync(dataDir, { recursive: true });
  const Stored = PouchDB.defaults({ prefix: `${dataDir}${path.sep}` });
  const app = expressPouchDB(Stored, { mode: 'minimumForPouchDB', logPath: path.join(dataDir, 'log.txt'), inMemoryConfig: true });
  const server = createServer(app).listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.address() as { port: number }).port });
  });
  process.on('disconnect', () => process.exit(0));
});
