import { closeSync, openSync, writeSync } from 'node:fs';
import type { DirectoryService } from '../../shared/domain/directory';

/** Writes one DirectoryService JSON object per line (replacing the file), in batches to keep memory flat. */
export function writeDirectoryNdjson(file: string, services: readonly DirectoryService[]): void {
  const fd = openSync(file, 'w');
  try {
    const BATCH = 1000;
    for (let i = 0; i < services.length; i += BATCH) {
      writeSync(fd, services.slice(i, i + BATCH).map((s) => `${JSON.stringify(s)}\n`).join(''));
    }
  } finally {
    closeSync(fd);
  }
}
