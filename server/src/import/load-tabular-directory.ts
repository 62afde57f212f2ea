import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TabularPackage } from './read-tabular';

/** Reads a tabular feed from a folder: its datapackage.json (if any) and every .csv file in it. */
export async function loadTabularDirectory(dir: string): Promise<TabularPackage> {
  const names = await readdir(dir);
  const tables: Record<string, string> = {};
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.csv')).sort()) tables[name] = await readFile(path.join(dir, name), 'utf8');
  const datapackage = names.includes('datapackage.json') ? await readFile(path.join(dir, 'datapackage.json'), 'utf8') : undefined;
  return { ...(datapackage !== undefined ? { datapackage } : {}), tables };
}
