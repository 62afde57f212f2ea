import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Upstream } from '../faults/fault-proxy';

const CHILD = path.resolve(import.meta.dirname, 'balancer-child.ts');

/**
 * A round-robin load balancer in a process of its own (the test suite's proxy with no faults), so
 * that its work is not charged to the benchmark's load generator. Every request goes to the next
 * node in turn, and to the other when one refuses the connection.
 */
export class Balancer {
  private child: ChildProcess | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(upstreams: Upstream[]): Promise<void> {
    const child = fork(CHILD, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the balancer exited with ${code} before listening`)));
      child.send({ upstreams });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
