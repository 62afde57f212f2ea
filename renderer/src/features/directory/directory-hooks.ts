import { useApp } from '../../stores/app';
import { useDirectory } from '../../stores/directory';

/** The time results are judged at, when it is not now: "Sat 28 Nov 10:00". */
export function useJudgedAt(): string | null {
  return useDirectory((s) => (s.answered?.openAt && s.openAtReading.kind === 'at' ? s.openAtReading.label : null));
}

/** True when the desk has no directory at all (as opposed to no service matching). */
export function useNoDirectory(): boolean {
  return useApp((s) => s.directory !== null && s.directory.services === 0);
}
