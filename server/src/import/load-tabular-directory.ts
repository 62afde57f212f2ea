import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { TabularPackage } from './read-tabular';

/** A tabular feed in a folder: its datapackage.json (if any) and every .csv file in it, each streamed when read. */
export async function loadTabularDirectory(dir: string): Promise<TabularPackage> {
  const names = await readdir(dir);
  const tables: TabularPackage['tables'] = {};
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.csv')).sort()) tables[name] = { file: path.join(dir, name) };
  const datapackage = names.includes('datapackage.json') ? await readFile(path.join(dir, 'datapackage.json'), 'utf8') : undefined;
  return { ...(datapackage !== undefined ? { datapackage } : {}), tables };
}
