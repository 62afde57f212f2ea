import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../../server/src/main.ts');

/** The central API as a process of its own, so it can be killed (SIGKILL, by its own pid) and restarted. */
export class ServerProcess {
  private child: ChildProcess | null = null;
  kills = 0;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Node flags for the process (a benchmark's --cpu-prof). */
    private readonly execArgv: readonly string[] = [],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process id (a node is killed by its own id, never by name). */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [...this.execArgv, '--import', 'tsx', MAIN], {
      // PUBLIC_URL and LOG_LEVEL may be set by the caller (several nodes behind one address share its URL).
      env: { ...process.env, PUBLIC_URL: this.url, LOG_LEVEL: 'error', ...this.env, HOST: '127.0.0.1', PORT: String(this.port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; ; i++) {
      try {
        const r = await fetch(`${this.url}/health`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (i > 300 || !this.running) throw new Error('the server process did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the server outright (no graceful shutdown), as a crash or a pulled plug would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
