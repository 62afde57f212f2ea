import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port';

const root = path.resolve(import.meta.dirname, '../..');

export interface DemoServer {
  url: string;
  dataDir: string;
  /** Stops it for real (its process ends, connections are refused) and starts it again on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

/**
 * The central API as `npm start` runs it, in its own process (demo-server-child.ts): PGlite in a
 * temp data folder, DEMO=1 (demo trusts and users, password `demo-password`) and a published
 * synthetic demo directory. The tests read its database through the process (SQL over IPC).
 */
export async function startDemoServer({ services = 3000, hostName = '127.0.0.1' }: { services?: number; hostName?: string } = {}): Promise<DemoServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-e2e-server-'));
  const port = await freePort();
  // hostName: the name desks and browsers reach it by (listening on 127.0.0.1 all the same), e.g.
  // 'localhost' for an identity provider on another site than the browser host's 127.0.0.1.
  const url = `http://${hostName}:${port}`;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    DEMO: '1',
    DEMO_DIRECTORY_FILE: path.join(dataDir, 'demo-directory.ndjson'),
    DEMO_SERVICES: String(services),
    DATA_DIR: path.join(dataDir, 'server'),
    LOG_LEVEL: 'silent',
  };
  let child: ChildProcess | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();

  const handle: DemoServer = {
    url,
    dataDir,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) return;
      const c = fork(path.join(root, 'test/e2e/demo-server-child.ts'), [], { cwd: root, env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      await new Promise<void>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`The demo server exited (${code}) before it was ready.`));
        c.once('exit', onExit);
        c.on('message', (m: { kind: string; id?: number; rows?: unknown[]; error?: string }) => {
          if (m.kind === 'ready') {
            c.off('exit', onExit);
            resolve();
          } else if (m.kind === 'rows' && m.id !== undefined) {
            const w = waiting.get(m.id);
            waiting.delete(m.id);
            if (m.error) w?.reject(new Error(m.error));
            else w?.resolve(m.rows ?? []);
          }
        });
      });
      child = c;
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.send({ kind: 'stop' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (c.exitCode === null) {
        c.kill('SIGKILL');
        await exited;
      }
    },
    query<T>(sql: string, params: unknown[] = []) {
      const c = child;
      if (!c) return Promise.reject(new Error('The server is stopped.'));
      const id = ++nextId;
      return new Promise<T[]>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
        c.send({ kind: 'query', id, sql, params });
      });
    },
    async dispose() {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
