import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from './free-port';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * A throwaway PostgreSQL cluster for a test run: initdb into a temp folder (as the postgres user
 * when running as root), listening on 127.0.0.1 only on a free port, stopped and deleted at the end.
 */

export interface PostgresCluster {
  /** Connection URL of the cluster's maintenance database; create a database per test file. */
  adminUrl: string;
  stop(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(base, v, 'bin', 'initdb'))) return path.join(base, v, 'bin');
  throw new Error('PostgreSQL is not installed: run `apt-get install -y postgresql` (./desk test does this when it can).');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the postgres user when we are root (PostgreSQL refuses root). */
function run(bin: string, args: string[]): string {
  return asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' }) : execFileSync(bin, args, { encoding: 'utf8' });
}

/**
 * Tests trade durability for speed (fsync off); benchmarks pass `durable` so that commits cost what
 * they cost in production, and get more shared memory.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-pg-'));
  if (asRoot) {
    chmodSync(dir, 0o777);
    execFileSync('chown', ['postgres:postgres', dir]);
  }
  const dataDir = path.join(dir, 'data');
  const user = asRoot ? 'postgres' : (process.env.USER ?? 'postgres');
  run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', ...(options.durable ? [] : ['--no-sync'])]);
  const port = await freePort();
  const tuning = options.durable ? ['-c', 'shared_buffers=256MB'] : ['-c', 'fsync=off', '-c', 'shared_buffers=64MB'];
  const args = ['-D', dataDir, '-k', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...tuning];
  const server = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', path.join(bin, 'postgres'), ...args], { stdio: 'ignore' })
    : spawn(path.join(bin, 'postgres'), args, { stdio: 'ignore' });
  const adminUrl = `postgres://${user}@127.0.0.1:${port}/postgres`;
  for (let i = 0; ; i++) {
    try {
      run(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
      break;
    } catch {
      if (i > 100 || server.exitCode !== null) throw new Error(`PostgreSQL did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    adminUrl,
    async stop() {
      const exited = new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', dataDir, 'stop', '-m', 'immediate', '-s']);
      } catch {
        server.kill('SIGKILL');
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
