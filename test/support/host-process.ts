import { spawn, type ChildProcess } from 'node:child_process';

/**
 * The browser host (electron/host/main.ts, from source or bundled) as a process of its own: its
 * address is the one it prints once it answers. The address rejects if it exits or stays silent
 * for 30 s, with what it printed.
 */
export function launchHost(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The browser host did not start:\n${log}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The browser host exited (${code}):\n${log}`));
    });
  });
  return { child, url };
}

/** Asks a process to stop (SIGTERM), and kills it if it has not within 5 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
