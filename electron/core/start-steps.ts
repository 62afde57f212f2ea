/**
 * The steps of a desk's start, marked on the process's performance timeline with the CPU time used
 * so far, so that a slow start can be told apart: the code loading, desk.db, the directory with its
 * search index, or the host beginning to answer. The browser host prints them in one line once it
 * answers; the start benchmark (test/bench/start-bench.ts) reads that line.
 */
export type StartStep = 'code-loaded' | 'desk-db-opened' | 'directory-opened' | 'answering';

const PREFIX = 'crisis-desk:start:';

export function markStart(step: StartStep): void {
  const { user, system } = process.cpuUsage();
  performance.mark(`${PREFIX}${step}`, { detail: { cpuMs: (user + system) / 1000 } });
}

/** The steps marked so far, in order: ms since the process began, and its CPU time then. */
export function startSteps(): { step: StartStep; atMs: number; cpuMs: number }[] {
  return performance
    .getEntriesByType('mark')
    .filter((m): m is PerformanceMark => m instanceof PerformanceMark)
    .filter((m) => m.name.startsWith(PREFIX))
    .map((m) => ({ step: m.name.slice(PREFIX.length) as StartStep, atMs: Math.round(m.startTime), cpuMs: Math.round((m.detail as { cpuMs: number }).cpuMs) }));
}

const LABELS: Record<StartStep, string> = {
  'code-loaded': 'code',
  'desk-db-opened': 'desk.db',
  'directory-opened': 'directory and search index',
  answering: 'answering',
};

/** One line for the log: each step's own share of the wall clock, and the CPU used in all. */
export function describeStart(): string {
  const steps = startSteps();
  let before = 0;
  const parts = steps.map((s) => {
    const own = s.atMs - before;
    before = s.atMs;
    return `${LABELS[s.step]} ${own} ms`;
  });
  const last = steps.at(-1);
  return last ? `started in ${last.atMs} ms: ${parts.join(', ')}; ${last.cpuMs} ms of CPU` : 'started';
}
