import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { makeService } from '../../../test/support/services';
import type { DirectoryService } from '../../../shared/domain/directory';
import { DirectoryChangeLine } from '../../../shared/sync/protocol';
import { HttpError } from '../app';
import type { Db } from '../db/db';
import { changesAfter } from './changes-feed';
import { publishDirectory } from './publish';

/*
 * Whatever sequence of publishes happened, a desk that stopped after any page of the feed and then
 * catches up (in pages of any size) holds exactly the published set; or, when tombstones it needed
 * were purged, it is told 410 and a fresh bootstrap holds exactly the published set.
 */

const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FC_RUNS ?? 40);
const TOMBSTONE_DAYS = 30;

type Desk = Map<string, DirectoryService>;

interface Publish {
  source: 'f1' | 'f2';
  /** id letter → variant of its content */
  services: [string, number][];
  complete: boolean;
  /** Days since the previous publish. */
  days: number;
}

const publishArb: fc.Arbitrary<Publish> = fc.record({
  source: fc.constantFrom('f1' as const, 'f2' as const),
  services: fc.uniqueArray(fc.tuple(fc.constantFrom(...'abcdefgh'), fc.nat({ max: 2 })), { selector: ([id]) => id, maxLength: 8 }),
  complete: fc.boolean(),
  days: fc.constantFrom(0, 0, 1, 12, 25, 31),
});

const serviceOf = (source: string, letter: string, variant: number) =>
  makeService({ id: `${source}:${letter}`, name: `Service ${letter} v${variant}`, type: 'crisis_helpline', keywords: [`v${variant}`] });

async function readPage(db: Db, trustId: string, cursor: string | undefined, limit: number) {
  let text = '';
  for await (const chunk of await changesAfter(db, trustId, cursor, limit)) text += chunk;
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.trimEnd().split('\n').map((l) => DirectoryChangeLine.parse(JSON.parse(l)));
  const end = lines.pop()!;
  if (end.op !== 'end') throw new Error('the feed did not finish with an end line');
  expect(lines.length).toBeLessThanOrEqual(limit);
  const keys = lines.map((l) => [l.version, l.op === 'put' ? l.service.id : l.op === 'del' ? l.id : ''] as const);
  for (let i = 1; i < keys.length; i++) expect(keys[i - 1]![0] < keys[i]![0] || (keys[i - 1]![0] === keys[i]![0] && keys[i - 1]![1] < keys[i]![1])).toBe(true);
  return { changes: lines, end };
}

interface Checkpoint {
  desk: Desk;
  cursor: string | undefined;
  /** directory_state.purged_through when the desk stopped here. */
  purgedThrough: number;
}

/** Pages through the feed from `from`, applying each page; every page end is a place a desk may stop. */
async function purgedThrough(db: Db, trustId: string): Promise<number> {
  const [row] = await db.query<{ purged_through: number }>('SELECT purged_through FROM directory_state WHERE trust_id = $1', [trustId]);
  return row?.purged_through ?? 0;
}

async function catchUp(db: Db, trustId: string, from: Checkpoint, limit: number): Promise<{ stops: Checkpoint[] } | 'gone'> {
  const desk = new Map(from.desk);
  let cursor = from.cursor;
  const stops: Checkpoint[] = [];
  for (;;) {
    let page;
    try {
      page = await readPage(db, trustId, cursor, limit);
    } catch (e) {
      if (e instanceof HttpError && e.statusCode === 410) return 'gone';
      throw e;
    }
    for (const c of page.changes) {
      if (c.op === 'put') desk.set(c.service.id, c.service);
      else if (c.op === 'del') desk.delete(c.id);
    }
    cursor = page.end.cursor;
    stops.push({ desk: new Map(desk), cursor, purgedThrough: await purgedThrough(db, trustId) });
    if (!page.end.more) return { stops };
  }
}

const asObject = (desk: Desk) => Object.fromEntries([...desk].sort(([a], [b]) => (a < b ? -1 : 1)));

describe.each(DATABASE_KINDS)('catching up from any cursor on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  let trusts = 0;
  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
    console.log(`changes feed property (${kind}): seed ${SEED}, ${RUNS} runs; replay with FC_SEED=${SEED}`);
  });
  afterAll(() => opened.close());

  it('reaches exactly the published set, or answers 410 only for cursors before purged tombstones', async () => {
    const { db } = opened;
    const seen = { catchUps: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(publishArb, { minLength: 1, maxLength: 7 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 8, maxLength: 8 }), async (publishes, limits) => {
        const trustId = `prop-${kind}-${++trusts}`;
        await db.query('INSERT INTO trust (id, name) VALUES ($1, $1)', [trustId]);
        const model: Desk = new Map();
        const nothing: Checkpoint = { desk: new Map(), cursor: undefined, purgedThrough: 0 };
        const checkpoints: Checkpoint[] = [nothing];
        let clock = Date.UTC(2026, 0, 1);
        for (const [step, p] of publishes.entries()) {
          clock += p.days * 86_400_000;
          const services = p.services.map(([letter, variant]) => serviceOf(p.source, letter, variant));
          await publishDirectory(db, trustId, services, { source: p.source, complete: p.complete, tombstoneDays: TOMBSTONE_DAYS, now: new Date(clock) });
          if (p.complete) for (const id of [...model.keys()]) if (id.startsWith(`${p.source}:`) && !services.some((s) => s.id === id)) model.delete(id);
          for (const s of services) model.set(s.id, s);

          // A desk that was up to date with the previous publish pages forward; each page is a checkpoint.
          const last = checkpoints.at(-1)!;
          const result = await catchUp(db, trustId, last, limits[step % limits.length]!);
          if (result !== 'gone') checkpoints.push(...result.stops);
        }
        const purgedNow = await purgedThrough(db, trustId);
        for (const [i, checkpoint] of checkpoints.entries()) {
          const result = await catchUp(db, trustId, checkpoint, limits[i % limits.length]!);
          seen.catchUps++;
          if (result === 'gone') {
            seen.refused++;
            // Only a desk that stopped before tombstones were last purged may be sent back to bootstrap.
            expect(checkpoint.cursor !== undefined && checkpoint.purgedThrough < purgedNow).toBe(true);
            const fresh = await catchUp(db, trustId, nothing, 2);
            if (fresh === 'gone') throw new Error('a bootstrap from nothing was refused');
            expect(asObject(fresh.stops.at(-1)!.desk)).toEqual(asObject(model));
          } else {
            expect(asObject(result.stops.at(-1)!.desk)).toEqual(asObject(model));
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`changes feed property (${kind}): ${seen.catchUps} catch-ups checked, ${seen.refused} answered 410 and re-bootstrapped`);
  });
});
