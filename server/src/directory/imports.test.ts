import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../test/support/server-databases';
import { loadConfig } from '../config';
import { createLocalHintBus } from '../hints/local-hint-bus';
import { createJob, findJob, ImportBusy, KEEP_RECORD_REPORTS, recordPage, withdrawalPage } from './import-jobs';
import type { ImportJob } from './import-report';
import { decideImport, NotAwaitingDecision, runImport, type ImportInput } from './imports';
import type { PublishDeps } from './publisher';

/*
 * Import jobs end to end on both databases the server runs on: feeds written here for each class
 * (complete, partial in each way, a large withdrawal, nothing importable, hostile text), the
 * per-record report read back line by line, and the published directory checked after each — a
 * partial read never withdraws, a large withdrawal waits for a decision, an import yielding
 * nothing publishes nothing.
 */

const AS_OF = '2026-11-02';

/** A crisis café the importer publishes as it is. */
const record = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  name: `Crisis café ${id}`,
  status: 'active',
  organization: { id: 'org', name: 'Southwark Mind' },
  phones: [{ number: '020 7946 0000' }],
  schedules: [{ id: `${id}-s`, byday: 'MO,TU,WE,TH,FR', opens_at: '18:00', closes_at: '23:00' }],
  ...over,
});
const doc = (ids: string[], over: Record<string, Record<string, unknown>> = {}) => ids.map((id) => record(id, over[id]));

describe.each(DATABASE_KINDS)('import jobs on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  let deps: PublishDeps;
  let dataDir: string;

  const liveIds = async (source: string, trustId = 'trust-a') =>
    (await opened.db.query<{ id: string }>('SELECT id FROM directory_service WHERE trust_id = $1 AND source = $2 AND NOT deleted ORDER BY id', [trustId, source])).map((r) => r.id);
  const importDoc = (source: string, document: unknown, extra: Partial<ImportInput> = {}) => runImport(deps, 'trust-a', 'a-admin', { kind: 'document', source, document, ...extra } as ImportInput, { asOf: AS_OF });
  const allRecords = async (job: ImportJob) => (await recordPage(opened.db, job.id, { after: 0, limit: 1000 })).records;

  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
    dataDir = mkdtempSync(path.join(tmpdir(), 'import-jobs-'));
    deps = { db: opened.db, config: loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, IMPORT_FETCH_ALLOW: '127.0.0.1' }), hints: createLocalHintBus() };
  });
  afterAll(async () => {
    await deps.hints.close();
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes a complete feed and keeps its report record by record, each with where it was in the feed', async () => {
    const job = await importDoc('whole', [record('a'), record('b', { description: '<p>Warm <b>room</b></p>' }), record('c', { status: 'maybe' }), record('a', { name: 'Copy of a' }), 'not a record']);
    expect(job).toMatchObject({
      status: 'published',
      kind: 'document',
      complete: true,
      counts: { records: 5, imported: 1, repaired: 1, leftOut: 2, duplicates: 1 },
      problems: [],
      changes: { put: 2, deleted: 0 },
      withdrawals: { count: 0, trustServices: 0, confirmAbovePercent: 10 },
      publishedVersion: expect.any(Number),
    });
    expect(job.summary).toMatch(/^5 records read: 1 imported, 1 imported with repairs, 2 left out, 1 duplicate\. Published version \d+: 2 added or changed, 0 withdrawn, 0 unchanged\.$/);
    const lines = await allRecords(job);
    expect(lines.map((l) => [l.seq, l.place, l.feedId, l.outcome, l.defects.map((d) => `${d.severity} ${d.field}`)])).toEqual([
      [1, 'item 1', 'a', 'imported', []],
      [2, 'item 2', 'b', 'repaired', ['repaired description']],
      [3, 'item 3', 'c', 'left_out', ['left_out status']],
      [4, 'item 4', 'a', 'duplicate', ['left_out id']],
      [5, 'item 5', null, 'left_out', ['left_out null']],
    ]);
    expect(lines[0]!.copies).toEqual([{ seq: 4, place: 'item 4' }]);
    expect(lines[3]!.firstCopy).toEqual({ seq: 1, place: 'item 1' });
    expect((await recordPage(opened.db, job.id, { after: 0, limit: 10, outcome: 'left_out' })).records.map((l) => l.seq)).toEqual([3, 5]);
    expect(await recordPage(opened.db, job.id, { after: 0, limit: 2 })).toMatchObject({ next: 2 });
    expect(await liveIds('whole')).toEqual(['whole:a', 'whole:b']);
    // Published, so nothing stays staged.
    expect(await opened.db.query('SELECT 1 FROM directory_import_service WHERE import_id = $1', [job.id])).toEqual([]);
  });

  it('a record left out this time keeps the version published before: it is in the feed, so it is not withdrawn', async () => {
    await importDoc('kept', doc(['a', 'b']));
    const job = await importDoc('kept', doc(['a', 'b'], { b: { phones: [{ number: 'ring reception' }] } }));
    expect(job).toMatchObject({ status: 'published', complete: true, changes: { deleted: 0 } });
    expect(await liveIds('kept')).toEqual(['kept:a', 'kept:b']);
  });

  describe('a partial read publishes additions and changes, and withdraws nothing', () => {
    beforeEach(async () => {
      await opened.db.query("DELETE FROM directory_service WHERE source = 'partial'");
      await importDoc('partial', doc(['a', 'b', 'c', 'd']));
    });

    it('one page of a paged list', async () => {
      const job = await importDoc('partial', { total_pages: 3, page_number: 1, contents: [record('a', { name: 'Crisis café a, renamed' }), record('e')] });
      expect(job).toMatchObject({ status: 'published', complete: false, changes: { put: 2, deleted: 0 }, withdrawals: null });
      expect(job.problems).toEqual([{ where: null, partial: true, reason: "This document is one page of 3 of a paged list; only its 2 records were read and nothing was withdrawn. Import from the API's address to read every page." }]);
      expect(job.summary).toMatch(/Only part of the feed could be read \(see its problems\), so nothing was withdrawn\.$/);
      expect(await liveIds('partial')).toEqual(['partial:a', 'partial:b', 'partial:c', 'partial:d', 'partial:e']);
    });

    it('a document whose total disagrees with what it lists', async () => {
      const job = await importDoc('partial', { total_items: 4, total_pages: 1, contents: doc(['a', 'b']) });
      expect(job.problems).toEqual([{ where: null, partial: true, reason: 'The document says it holds 4 services (its total) but lists 2; nothing was withdrawn.' }]);
      expect(await liveIds('partial')).toHaveLength(4);
    });

    it('an import started as part of the feed', async () => {
      const job = await importDoc('partial', doc(['a']), { complete: false });
      expect(job.problems).toEqual([{ where: null, partial: true, reason: 'Started as part of the feed only: nothing missing from it was withdrawn.' }]);
      expect(await liveIds('partial')).toHaveLength(4);
    });

    it('a tabular feed whose descriptor lists a table that is not there', async () => {
      const datapackage = JSON.stringify({ resources: [{ name: 'services', path: 'services.csv' }, { name: 'phones', path: 'phones.csv' }] });
      const tables = { 'services.csv': 'id,name,status,url\na,Crisis café a,active,https://example.org.uk\n' };
      const job = await runImport(deps, 'trust-a', 'a-admin', { kind: 'tabular', source: 'partial', tables, datapackage }, { asOf: AS_OF });
      expect(job.problems).toEqual([expect.objectContaining({ where: 'phones.csv', partial: true, reason: expect.stringMatching(/^datapackage\.json lists phones\.csv, but the file is not in the feed/) })]);
      expect(job.changes).toMatchObject({ deleted: 0 });
      expect(await liveIds('partial')).toHaveLength(4);
    });

    it('a live API whose pages disagree with each other', async () => {
      const pages: Record<string, unknown> = {
        '/services?page=1': { total_items: 2, total_pages: 2, page_number: 1, contents: [record('a')] },
        '/services?page=2': { total_items: 2, total_pages: 2, page_number: 1, contents: [record('a')] },
      };
      const api: Server = createServer((req, res) => {
        const body = pages[req.url ?? ''];
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }));
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
        const job = await runImport(deps, 'trust-a', 'a-admin', { kind: 'url', source: 'partial', url }, { asOf: AS_OF, fetch: { details: false, retries: 0 } });
        expect(job).toMatchObject({ status: 'published', complete: false, changes: { deleted: 0 }, counts: { records: 2, duplicates: 1 }, origin: `${url}/` });
        expect(job.problems.map((p) => p.reason)).toEqual([
          'Page 2 was asked for, but the answer says it is page 1.',
          'Page 2 repeats records already read (all 1 record came on page 1): the API may be ignoring ?page=. Reading stopped there.',
        ]);
        expect(await liveIds('partial')).toHaveLength(4);
      } finally {
        api.closeAllConnections();
        await new Promise((resolve) => api.close(resolve));
      }
    });
  });

  describe('a complete read that would withdraw more than the set share waits for a decision', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);

    it('is held: nothing published, the withdrawals listed; confirming publishes exactly those', async () => {
      await importDoc('held', doc(twenty));
      const before = (await opened.db.query<{ version: number }>("SELECT version FROM directory_state WHERE trust_id = 'trust-a'"))[0]!.version;
      // 3 of the trust's services gone (more than 10 %), and one renamed.
      const next = doc(twenty.slice(3), { s10: { name: 'Crisis café s10, renamed' } });
      const held = await importDoc('held', next);
      const trustServices = (await opened.db.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_service WHERE trust_id = 'trust-a' AND NOT deleted"))[0]!.n;
      expect(held).toMatchObject({ status: 'awaiting_confirmation', finishedAt: null, complete: true, publishedVersion: null, changes: null, withdrawals: { count: 3, trustServices, confirmAbovePercent: 10 } });
      expect(held.summary).toMatch(/Waiting for confirmation: publishing it would withdraw 3 of the trust's \d+ services \([\d.]+ %\), more than 10 %\. Nothing has been published yet/);
      expect((await opened.db.query<{ version: number }>("SELECT version FROM directory_state WHERE trust_id = 'trust-a'"))[0]!.version).toBe(before);
      expect(await liveIds('held')).toHaveLength(20);
      expect(await withdrawalPage(opened.db, held.id, { after: '', limit: 10 })).toEqual({
        services: [{ id: 'held:s00', name: 'Crisis café s00' }, { id: 'held:s01', name: 'Crisis café s01' }, { id: 'held:s02', name: 'Crisis café s02' }],
        next: null,
      });

      const confirmed = await decideImport(deps, 'trust-a', 'a-admin', held.id, 'confirmed');
      expect(confirmed).toMatchObject({ status: 'published', decision: { action: 'confirmed', by: 'a-admin' }, changes: { put: 1, deleted: 3 }, publishedVersion: before + 1 });
      expect(await liveIds('held')).toEqual(twenty.slice(3).map((id) => `held:${id}`));
      await expect(decideImport(deps, 'trust-a', 'a-admin', held.id, 'refused')).rejects.toThrow(NotAwaitingDecision);
    });

    it('refusing publishes nothing of it', async () => {
      await importDoc('refused', doc(twenty));
      const held = await importDoc('refused', doc(twenty.slice(10)));
      expect(held.status).toBe('awaiting_confirmation');
      const refused = await decideImport(deps, 'trust-a', 'b-admin-of-a', held.id, 'refused');
      expect(refused).toMatchObject({ status: 'refused', decision: { action: 'refused', by: 'b-admin-of-a' }, publishedVersion: null });
      expect(refused!.summary).toMatch(/^Refused by b-admin-of-a: nothing of this import was published/);
      expect(await liveIds('refused')).toHaveLength(20);
      expect(await opened.db.query('SELECT 1 FROM directory_import_service WHERE import_id = $1', [held.id])).toEqual([]);
    });

    it('a newer import of the feed supersedes one still waiting', async () => {
      await importDoc('superseded', doc(twenty));
      const held = await importDoc('superseded', doc(twenty.slice(10)));
      const newer = await importDoc('superseded', doc(twenty));
      expect(newer.status).toBe('published');
      expect(await findJob(opened.db, 'trust-a', held.id)).toMatchObject({ status: 'superseded' });
      await expect(decideImport(deps, 'trust-a', 'a-admin', held.id, 'confirmed')).rejects.toThrow(/superseded, not waiting for confirmation/);
      expect(await liveIds('superseded')).toHaveLength(20);
    });

    it('the share is configurable', async () => {
      await importDoc('share', doc(twenty));
      const lenient: PublishDeps = { ...deps, config: { ...deps.config, IMPORT_WITHDRAWAL_CONFIRM_PERCENT: 90 } };
      const job = await runImport(lenient, 'trust-a', 'a-admin', { kind: 'document', source: 'share', document: doc(twenty.slice(10)) }, { asOf: AS_OF });
      expect(job).toMatchObject({ status: 'published', changes: { deleted: 10 }, withdrawals: { count: 10, confirmAbovePercent: 90 } });
      expect((await withdrawalPage(opened.db, job.id, { after: '', limit: 100 })).services).toHaveLength(10);
    });
  });

  it('an import that yields no service publishes nothing and says why', async () => {
    await importDoc('empty', doc(['a']));
    for (const [document, why] of [
      [[], /the feed holds no service records/],
      [{ openapi: '3.1.0', paths: {} }, /OpenAPI description/],
      [[record('x', { status: 'gone?' })], /none of its 1 records could be imported/],
    ] as const) {
      const job = await importDoc('empty', document);
      expect(job).toMatchObject({ status: 'not_published', publishedVersion: null, changes: null });
      expect(job.summary).toMatch(why);
      expect(job.summary).toMatch(/The published directory was left as it was\.$/);
      expect(await liveIds('empty')).toEqual(['empty:a']);
    }
  });

  it('stores hostile text (NUL characters, lone surrogates) in its report instead of failing', async () => {
    const job = await importDoc('hostile', [record('n\u0000ul', { name: 'Crisis café \ud800 \u0000' }), record('ok')]);
    expect(job.status).toBe('published');
    const lines = await allRecords(job);
    expect(lines[0]!.feedId).toBe('n\ufffdul');
  });

  it('runs one import of a feed at a time, and shows one whose node stopped as interrupted on any node', async () => {
    const first = await createJob(opened.db, { id: crypto.randomUUID(), trustId: 'trust-a', source: 'busy', kind: 'document', origin: null, userId: 'a-admin' });
    await expect(importDoc('busy', doc(['a']))).rejects.toThrow(ImportBusy);
    // The node running it stops beating its heartbeat.
    await opened.db.query("UPDATE directory_import SET heartbeat_at = now() - interval '5 minutes' WHERE id = $1", [first.id]);
    expect(await findJob(opened.db, 'trust-a', first.id)).toMatchObject({ status: 'interrupted', summary: expect.stringMatching(/stopped before it finished/) });
    // And a new import of the feed can start.
    expect((await importDoc('busy', doc(['a']))).status).toBe('published');
    expect(await findJob(opened.db, 'trust-a', first.id)).toMatchObject({ status: 'interrupted' });
  });

  it('keeps the per-record reports of the newest imports only', async () => {
    const jobs: ImportJob[] = [];
    for (let i = 0; i <= KEEP_RECORD_REPORTS; i++) jobs.push(await importDoc('pruned', doc(['a'])));
    const oldest = (await opened.db.query<{ id: string }>("SELECT id FROM directory_import WHERE trust_id = 'trust-a' ORDER BY started_at LIMIT 1"))[0]!.id;
    expect(await findJob(opened.db, 'trust-a', oldest)).toMatchObject({ recordsKept: false });
    expect(await recordPage(opened.db, oldest, { after: 0, limit: 10 })).toEqual({ records: [], next: null });
    expect(await findJob(opened.db, 'trust-a', jobs.at(-1)!.id)).toMatchObject({ recordsKept: true });
  });

  it('another trust cannot see an import', async () => {
    const job = await importDoc('mine', doc(['a']));
    expect(await findJob(opened.db, 'trust-b', job.id)).toBeNull();
    expect(await decideImport(deps, 'trust-b', 'b-admin', job.id, 'confirmed')).toBeNull();
  });
});
