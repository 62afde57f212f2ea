import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

/** One throwaway PostgreSQL cluster for the whole test run; each test file makes its own database. */
export default async function setup(project: TestProject) {
  const cluster = await startPostgres();
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
