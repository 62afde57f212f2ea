import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { makeService } from '../../../test/support/services';
import type { DirectoryService } from '../../../shared/domain/directory';
import type { Db } from '../db/db';
import { publishDirectory, PublishError, type PublishOptions } from './publish';

const svc = (id: string, name = `Service ${id}`, extra: Partial<DirectoryService> = {}) => makeService({ id, name, type: 'crisis_cafe', ...extra });

async function published(db: Db, trustId: string): Promise<Record<string, { version: number; name: string; source: string }>> {
  const rows = await db.query<{ id: string; version: number; doc: DirectoryService; source: string }>(
    'SELECT id, version, doc, source FROM directory_service WHERE trust_id = $1 AND NOT deleted ORDER BY id',
    [trustId],
  );
  return Object.fromEntries(rows.map((r) => [r.id, { version: r.version, name: r.doc.name, source: r.source }]));
}

async function tombstones(db: Db, trustId: string): Promise<Record<string, number>> {
  const rows = await db.query<{ id: string; version: number }>('SELECT id, version FROM directory_service WHERE trust_id = $1 AND deleted ORDER BY id', [trustId]);
  return Object.fromEntries(rows.map((r) => [r.id, r.version]));
}

describe.each(DATABASE_KINDS)('publishDirectory on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  let db: Db;
  const complete: PublishOptions = { source: 'feed', complete: true, tombstoneDays: 30 };
  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
    db = opened.db;
  });
  afterAll(() => opened.close());

  it('puts new services at the next version and leaves unchanged ones alone', async () => {
    const first = await publishDirectory(db, 'trust-a', [svc('a'), svc('b'), svc('c')], complete);
    expect(first).toMatchObject({ version: 1, changed: true, put: 3, deleted: 0, unchanged: 0 });
    const again = await publishDirectory(db, 'trust-a', [svc('c'), svc('a'), svc('b')], complete);
    expect(again).toMatchObject({ version: 1, changed: false, put: 0, deleted: 0, unchanged: 3 });
    expect(await published(db, 'trust-a')).toEqual({
      a: { version: 1, name: 'Service a', source: 'feed' },
      b: { version: 1, name: 'Service b', source: 'feed' },
      c: { version: 1, name: 'Service c', source: 'feed' },
    });
    const [state] = await db.query('SELECT version FROM directory_state WHERE trust_id = $1', ['trust-a']);
    expect(state).toEqual({ version: 1 });
  });

  it('puts changed services and turns services missing from a complete import into tombstones, at one new version', async () => {
    const r = await publishDirectory(db, 'trust-a', [svc('a'), svc('b', 'Renamed b')], complete);
    expect(r).toMatchObject({ version: 2, changed: true, put: 1, deleted: 1, unchanged: 1 });
    expect(await published(db, 'trust-a')).toEqual({
      a: { version: 1, name: 'Service a', source: 'feed' },
      b: { version: 2, name: 'Renamed b', source: 'feed' },
    });
    expect(await tombstones(db, 'trust-a')).toEqual({ c: 2 });
  });

  it('never withdraws anything on an incomplete import', async () => {
    const r = await publishDirectory(db, 'trust-a', [svc('d')], { ...complete, complete: false });
    expect(r).toMatchObject({ version: 3, put: 1, deleted: 0, unchanged: 0 });
    expect(Object.keys(await published(db, 'trust-a'))).toEqual(['a', 'b', 'd']);
  });

  it('withdraws only the services of the feed being imported', async () => {
    await publishDirectory(db, 'trust-a', [svc('x')], { ...complete, source: 'other' });
    const r = await publishDirectory(db, 'trust-a', [svc('a')], complete);
    expect(r).toMatchObject({ version: 5, put: 0, deleted: 2, unchanged: 1 });
    expect(await published(db, 'trust-a')).toEqual({
      a: { version: 1, name: 'Service a', source: 'feed' },
      x: { version: 4, name: 'Service x', source: 'other' },
    });
    expect(await tombstones(db, 'trust-a')).toEqual({ b: 5, c: 2, d: 5 });
  });

  it('brings a withdrawn service back with a put', async () => {
    const r = await publishDirectory(db, 'trust-a', [svc('a'), svc('c')], complete);
    expect(r).toMatchObject({ version: 6, put: 1, deleted: 0 });
    expect((await published(db, 'trust-a')).c).toEqual({ version: 6, name: 'Service c', source: 'feed' });
    expect(await tombstones(db, 'trust-a')).toEqual({ b: 5, d: 5 });
  });

  it('keeps trusts apart', async () => {
    await publishDirectory(db, 'trust-b', [svc('a', 'Trust B’s a')], complete);
    expect(await published(db, 'trust-b')).toEqual({ a: { version: 1, name: 'Trust B’s a', source: 'feed' } });
    expect((await published(db, 'trust-a')).a!.name).toBe('Service a');
  });

  it('refuses invalid services, repeated ids and unknown trusts, publishing nothing', async () => {
    const before = await published(db, 'trust-a');
    const invalid = { ...svc('e'), ageMin: -4 } as DirectoryService;
    await expect(publishDirectory(db, 'trust-a', [svc('f'), invalid], complete)).rejects.toThrow(/1 services are not valid \(e: ageMin/);
    await expect(publishDirectory(db, 'trust-a', [svc('f'), svc('f')], complete)).rejects.toThrow(PublishError);
    await expect(publishDirectory(db, 'trust-z', [svc('f')], complete)).rejects.toThrow(/no trust trust-z/);
    expect(await published(db, 'trust-a')).toEqual(before);
  });

  it('purges tombstones older than the kept days and records the version they reached', async () => {
    const later = new Date(Date.now() + 31 * 86_400_000);
    const r = await publishDirectory(db, 'trust-a', [svc('a'), svc('c')], { ...complete, now: later });
    expect(r).toMatchObject({ changed: false, purged: 2, purgedThrough: 5 });
    expect(await tombstones(db, 'trust-a')).toEqual({});
    const [state] = await db.query('SELECT version, purged_through FROM directory_state WHERE trust_id = $1', ['trust-a']);
    expect(state).toEqual({ version: 6, purged_through: 5 });
  });
});
