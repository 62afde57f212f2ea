import path from 'node:path';

/** The browser host's data folder when no --data is given: `.data/desk` in the repository (main.ts, and its launcher). */
export const DEFAULT_DATA_DIR = path.resolve(import.meta.dirname, '../..', '.data', 'desk');
