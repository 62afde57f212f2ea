import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { App, ServerDeps } from '../app';
import { etagMatches, notModified, sendRaw } from '../directory/http-caching';

/** The shape of https://www.gov.uk/bank-holidays.json (the desk reads england-and-wales). */
export const BankHolidayFeed = z
  .object({
    'england-and-wales': z.object({
      division: z.string(),
      events: z.array(z.object({ title: z.string(), date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), notes: z.string(), bunting: z.boolean() })),
    }),
  })
  .catchall(z.unknown());

/** The list the desk ships with; an operator may put a newer GOV.UK download at OVERRIDE_FILE. */
export const SHIPPED_FILE = path.resolve(import.meta.dirname, '../../../shared/data/gov-uk-bank-holidays.json');
export const OVERRIDE_FILE = (dataDir: string) => path.join(dataDir, 'reference', 'gov-uk-bank-holidays.json');

function loadFeed(dataDir: string): { text: string; source: 'shipped' | 'override'; problem: string | null } {
  const override = OVERRIDE_FILE(dataDir);
  let problem: string | null = null;
  if (existsSync(override)) {
    const text = readFileSync(override, 'utf8');
    try {
      BankHolidayFeed.parse(JSON.parse(text));
      return { text, source: 'override', problem: null };
    } catch {
      problem = 'the bank holiday file in DATA_DIR/reference is not a GOV.UK bank holiday list; serving the shipped one';
    }
  }
  return { text: readFileSync(SHIPPED_FILE, 'utf8'), source: 'shipped', problem };
}

/** GET /v1/reference/bank-holidays: public GOV.UK data, so desks can refresh the list they ship with. */
export function registerReferenceRoutes(app: App, deps: ServerDeps): void {
  const feed = loadFeed(deps.config.DATA_DIR);
  if (feed.problem) app.log.warn(feed.problem);
  const etag = `"${createHash('sha256').update(feed.text).digest('hex').slice(0, 32)}"`;

  app.get(
    '/v1/reference/bank-holidays',
    {
      schema: {
        tags: ['reference'],
        summary: 'The GOV.UK bank holiday list (england-and-wales is what opening hours use)',
        description: 'No sign-in needed: public data. Revalidate with If-None-Match.',
        response: { 200: BankHolidayFeed },
      },
    },
    async (request, reply) => {
      reply.header('etag', etag).header('cache-control', 'public, max-age=3600');
      if (etagMatches(request.headers['if-none-match'], etag)) return notModified(reply);
      return sendRaw(reply.type('application/json; charset=utf-8'), feed.text);
    },
  );
}
