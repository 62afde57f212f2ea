import { readFileSync } from 'node:fs';
import type { BaseLogger } from 'pino';
import { DirectoryService } from '../../../shared/domain/directory';
import type { ServerDeps } from '../app';
import { publishAndDistribute } from '../directory/publisher';
import { DEMO_TRUSTS } from './seed-users';

/**
 * Demo mode: publishes a directory (NDJSON of DirectoryService, as the synthetic generator writes
 * it) for each demo trust that has published nothing yet, so a new desk has services to find.
 */
export async function seedDemoDirectory(deps: Pick<ServerDeps, 'db' | 'config' | 'hints'>, file: string, log: BaseLogger): Promise<void> {
  const services = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => DirectoryService.parse(JSON.parse(line)));
  for (const trust of DEMO_TRUSTS) {
    const [state] = await deps.db.query<{ version: number }>('SELECT version FROM directory_state WHERE trust_id = $1', [trust.id]);
    if ((state?.version ?? 0) > 0) continue;
    const p = await publishAndDistribute(deps, trust.id, services, { source: 'demo', complete: true });
    log.info({ trust: trust.id, services: services.length, version: p.publish.version }, 'demo directory published');
  }
}
