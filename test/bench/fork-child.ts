import { fork } from 'node:child_process';

/** Runs a bundled benchmark child with one job message and returns its one answer. */
export function runChild<T>(file: string, job: unknown, execArgv: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(file, { execArgv: ['--expose-gc', ...execArgv], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (m) => {
      answered = true;
      resolve(m as T);
      // The child exits once its answer is out (writing its CPU profile, when asked for); killed only if it does not.
      const stuck = setTimeout(() => child.kill(), 5000);
      child.once('exit', () => clearTimeout(stuck));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`${file} exited with ${code} before answering`));
    });
    child.send(job as object);
  });
}
