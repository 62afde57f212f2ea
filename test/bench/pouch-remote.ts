import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.resolve(import.meta.dirname, 'pouch-server.ts');
const CHUNK = 2000;

interface BulkAnswer {
  id: string;
  rev?: string;
  error?: string;
}

/**
 * The peer's server process (pouch-server.ts) and the writes the benchmark makes to it through
 * CouchDB's HTTP API: loading and changing the same services the central API publishes.
 */
export class PouchRemote {
  private child: ChildProcess | null = null;
  private base = '';

  async start(dataDir: string): Promise<void> {
    const child = (this.child = fork(ENTRY, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { port: number }));
      child.once('exit', (code) => reject(new Error(`the PouchDB server exited (${code}) before listening`)));
      child.send({ dataDir });
    });
    this.base = `http://127.0.0.1:${port}`;
  }

  url(db: string): string {
    return `${this.base}/${db}`;
  }

  private async call<T>(method: string, db: string, rest: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url(db)}${rest}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`PouchDB server: ${method} ${db}${rest} answered ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async createDb(db: string): Promise<void> {
    await this.call('PUT', db, '');
  }

  /** Writes documents (new, or with their current _rev to change them), in chunks. */
  async bulk(db: string, docs: readonly object[]): Promise<void> {
    for (let i = 0; i < docs.length; i += CHUNK) {
      const answers = await this.call<BulkAnswer[]>('POST', db, '/_bulk_docs', { docs: docs.slice(i, i + CHUNK) });
      const failed = answers.find((a) => a.error);
      if (failed) throw new Error(`PouchDB server: ${failed.id} was not written (${failed.error})`);
    }
  }

  /** Replaces documents by id with new contents, each on top of its current revision. */
  async change(db: string, docs: readonly { _id: string }[]): Promise<void> {
    const { rows } = await this.call<{ rows: { id: string; value: { rev: string } }[] }>('POST', db, '/_all_docs', { keys: docs.map((d) => d._id) });
    const revs = new Map(rows.map((r) => [r.id, r.value.rev]));
    await this.bulk(db, docs.map((d) => ({ ...d, _rev: revs.get(d._id) })));
  }

  async docCount(db: string): Promise<number> {
    return (await this.call<{ doc_count: number }>('GET', db, '')).doc_count;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
