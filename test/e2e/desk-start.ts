import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * `./desk start` as a user runs it (scripts/start.ts: the supervisor, the demo server and the
 * browser host, each its own process) on a temp data folder, with its terminal output read line by
 * line: the tests find the server's and the host's process ids there, kill them by those ids, and
 * read what the terminal said about it.
 */
export class DeskStart {
  readonly dataDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-e2e-start-'));
  private supervisor: ChildProcess | null = null;
  /** Everything the terminal showed, across starts. */
  output = '';
  private serverPort = 0;

  constructor(private readonly env: Record<string, string> = {}) {}

  /** Starts (or starts again, on the same data folder and port) and waits until the desk answers. */
  async start(): Promise<{ url: string }> {
    this.serverPort ||= await freePort();
    const from = this.output.length;
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--data', this.dataDir, '--no-open'], {
      cwd: root,
      env: { ...process.env, ...this.env, PORT: String(this.serverPort) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.supervisor = child;
    const take = (d: Buffer) => (this.output += d.toString());
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const url = await this.waitFor(/Crisis Desk is running at (http:\/\/\S+)/, 180_000, from);
    await this.waitFor(/The desk is running/, 30_000, from);
    return { url: url[1]! };
  }

  /** Waits for a line of terminal output matching `re` (after `from`, a position in the output). */
  async waitFor(re: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpExecArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.output.slice(from));
      if (m) return m;
      const s = this.supervisor;
      if (s && (s.exitCode !== null || s.signalCode !== null)) throw new Error(`./desk start ended (${s.exitCode ?? s.signalCode}) before printing ${re}:\n${this.output.slice(from)}`);
      if (Date.now() > end) throw new Error(`./desk start did not print ${re} within ${timeoutMs} ms:\n${this.output.slice(from)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Presses Enter in the terminal, as a person who closed the tab does: the fresh address it prints. */
  async freshAddress(): Promise<string> {
    const from = this.output.length;
    this.supervisor!.stdin!.write('\n');
    return (await this.waitFor(/Open Crisis Desk at (http:\/\/\S+)/, 15_000, from))[1]!;
  }

  /** The process id the terminal last gave for the server or the desk. */
  pidOf(part: 'server' | 'desk'): number {
    const re = part === 'server' ? /The server is running(?: again)? at \S+ \(process (\d+)\)/g : /The desk is running(?: again)? \(process (\d+)\)/g;
    const all = [...this.output.matchAll(re)];
    if (all.length === 0) throw new Error(`No ${part} process id in the output:\n${this.output}`);
    return Number(all.at(-1)![1]);
  }

  /**
   * Holds the supervisor still (SIGSTOP) so a test can look at the screen while a part it killed
   * is down, however fast the supervisor would have it back; resume() lets it react (SIGCONT).
   */
  pause(): void {
    this.supervisor!.kill('SIGSTOP');
  }

  resume(): void {
    this.supervisor!.kill('SIGCONT');
  }

  /** Ctrl+C: stops everything and waits for the supervisor to end. */
  async stop(): Promise<void> {
    const child = this.supervisor;
    this.supervisor = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGCONT'); // if a test left it paused
    child.kill('SIGINT');
    const late = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(late);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
