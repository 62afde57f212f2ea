/*
 * Writes a synthetic directory of crisis services, as a directory.db snapshot or as NDJSON.
 *
 *   tsx scripts/generate-directory.ts --count 3000 --seed 1 --out .data/directory.db [--as-of 2026-11-01]
 *   tsx scripts/generate-directory.ts --count 100000 --out .data/directory.ndjson
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_AS_OF, generateDirectory, loadEnglandSectors } from './synthetic/generate-directory';
import { writeDirectoryDb } from './synthetic/write-directory-db';
import { writeDirectoryNdjson } from './synthetic/write-ndjson';

const USAGE = 'Usage: tsx scripts/generate-directory.ts --out <file.db|file.ndjson> [--count 3000] [--seed 1] [--as-of YYYY-MM-DD] [--geo data/geo]';

function wholeNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not "${text}"`);
  return n;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'as-of': { type: 'string', default: DEFAULT_AS_OF },
      geo: { type: 'string', default: path.resolve(import.meta.dirname, '..', 'data', 'geo') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.out) throw new Error(`--out is required.\n${USAGE}`);
  const out = path.resolve(values.out);
  const format = /\.ndjson$/i.test(out) ? 'ndjson' : /\.db$/i.test(out) ? 'db' : null;
  if (!format) throw new Error(`--out must end in .db or .ndjson: ${values.out}`);
  const count = wholeNumber('count', values.count);
  const seed = wholeNumber('seed', values.seed);
  const asOf = values['as-of'];

  let t = performance.now();
  const services = generateDirectory({ seed, count, sectors: loadEnglandSectors(values.geo), asOf });
  const generatedMs = performance.now() - t;

  t = performance.now();
  mkdirSync(path.dirname(out), { recursive: true });
  if (format === 'db') writeDirectoryDb(out, services, { version: `synthetic-${seed}-${count}`, publishedAt: `${asOf}T00:00:00.000Z` });
  else writeDirectoryNdjson(out, services);
  const writtenMs = performance.now() - t;

  const mib = (statSync(out).size / 2 ** 20).toFixed(1);
  const shown = path.relative(process.cwd(), out).startsWith('..') ? out : path.relative(process.cwd(), out);
  console.log(`Generated ${services.length.toLocaleString('en-GB')} services (seed ${seed}, as of ${asOf}) in ${(generatedMs / 1000).toFixed(2)} s`);
  console.log(`Wrote ${shown} (${format}, ${mib} MiB) in ${(writtenMs / 1000).toFixed(2)} s`);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
}
