/*
 * A browser host on a desk that already holds a generated directory, as the screen and start parts
 * of the benchmark run it: the directory (kept between runs when made the same way), and the host
 * bundled as it ships.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIRECTORY_SCHEMA } from '../../shared/directory/schema';
import { generateDirectory, loadEnglandSectors } from '../../scripts/synthetic/generate-directory';
import { writeDirectoryDb } from '../../scripts/synthetic/write-directory-db';
import { bundle } from '../support/bundle';
import { mib, round } from './stats';

const root = path.resolve(import.meta.dirname, '../..');
const GEO_DIR = path.join(root, 'data', 'geo');
/** The built screen the host serves. */
export const RENDERER = path.join(root, 'dist', 'renderer');
export const HOST_DESK_SEED = 42;

/** directory.db in `dir` with `count` services; `generatedMs` null when an earlier run's was kept. */
export function ensureHostDeskDirectory(dir: string, count: number): { file: string; fileMiB: number; generatedMs: number | null } {
  const file = path.join(dir, 'directory.db');
  const marker = path.join(dir, 'directory.count');
  // A directory kept from an earlier run is used only if it was made the same way, schema included.
  const made = `${count}:${HOST_DESK_SEED}:${createHash('sha256').update(DIRECTORY_SCHEMA).digest('hex')}`;
  if (existsSync(file) && existsSync(marker) && readFileSync(marker, 'utf8') === made) return { file, fileMiB: mib(statSync(file).size), generatedMs: null };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t = performance.now();
  const services = generateDirectory({ seed: HOST_DESK_SEED, count, sectors: loadEnglandSectors(GEO_DIR) });
  writeDirectoryDb(file, services, { version: '1', publishedAt: '2026-11-01T00:00:00.000Z' });
  writeFileSync(marker, made);
  return { file, fileMiB: mib(statSync(file).size), generatedMs: round(performance.now() - t) };
}

/**
 * The host as it would ship: its launcher (which turns on Node's compile cache in the data folder,
 * electron/host/launch.ts) and the host in a file of its own that the launcher imports. Written
 * under dist/ so that it finds data/geo and node_modules as the source does.
 */
export const bundleHost = () => bundle(path.join(root, 'electron', 'host', 'launch.ts'), 'host', path.join(root, 'dist', 'bench'), { splitting: true });
