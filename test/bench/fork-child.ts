import { fork } from 'node:child_process';

/** Runs a benchmark child (TypeScript, through tsx) with one job message and returns its one answer. */
export function runChild<T>(file: string, job: unknown, extraExecArgv: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(file, { execArgv: ['--import', 'tsx', '--expose-gc', ...extraExecArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answered = false;
    child.once('message', (m) => {
      answered = true;
      resolve(m as T);
      child.kill();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`${file} exited with ${code} before answering`));
    });
    child.send(job as object);
  });
}
