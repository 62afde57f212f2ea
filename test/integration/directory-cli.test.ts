import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/test-database';

/*
 * `npm run server:directory` as an operator runs it, in its own process against a real
 * PostgreSQL: what it prints and the exit status it ends with — 0 published, 1 nothing imported
 * or published (with the reason), 2 a wrong command line, 3 waiting for an admin's confirmation.
 */

const CLI = path.resolve(import.meta.dirname, '../../server/src/directory/cli.ts');

interface Run {
  status: number;
  out: string;
}

const record = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  name: `Crisis café ${id}`,
  status: 'active',
  organization: { id: 'org', name: 'Southwark Mind' },
  phones: [{ number: '020 7946 0000' }],
  schedules: [{ id: `${id}-s`, byday: 'MO,TU,WE,TH,FR', opens_at: '18:00', closes_at: '23:00' }],
  ...over,
});

describe('server:directory (its own process, PostgreSQL)', () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;

  async function cli(...args: string[]): Promise<Run> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], {
        env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' },
        maxBuffer: 16 * 1024 * 1024,
      });
      return { status: 0, out: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { status: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  }
  const feed = (name: string, document: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(document));
    return file;
  };
  const trust = ['--trust', 'cli-trust', '--trust-name', 'CLI Trust', '--as-of', '2026-11-02'];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'directory-cli-'));
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 2 with its usage for a wrong command line', async () => {
    const r = await cli('--trust', 'x');
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/^Usage: npm run server:directory/m);
    expect((await cli(...trust, '--file', feed('no-source.json', []))).status).toBe(2);
  });

  it('exits 1 with the reason when nothing was imported, and publishes nothing', async () => {
    const r = await cli(...trust, '--source', 'feed', '--file', feed('broken.json', [record('a', { status: 'maybe' }), record('b', { phones: [{ number: 'ask at reception' }], url: undefined })]));
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/Nothing was published: none of its 2 records could be imported \(see the report\)\. The published directory was left as it was\./);
    expect(r.out).toMatch(/left_out\s+item 1 \(a\) Crisis café a\n\s+left_out status: Status “maybe” is not one of/);
    expect(r.out).toMatch(/left_out phones: The feed gives a phone number \(“ask at reception”\) but no dialable number could be read from it/);
    const empty = await cli(...trust, '--source', 'feed', '--file', feed('empty.json', { contents: [], total_pages: 1 }));
    expect(empty.status).toBe(1);
    expect(empty.out).toMatch(/Nothing was published: the feed holds no service records/);
    const notJson = path.join(dir, 'garbage.json');
    writeFileSync(notJson, '{"contents": [');
    const cut = await cli(...trust, '--source', 'feed', '--file', notJson);
    expect(cut.status).toBe(1);
    expect(cut.out).toMatch(/The feed could not be read to its end: the document ends in the middle/);
  });

  it('exits 0 when it published, writing the whole per-record report when asked', async () => {
    const report = path.join(dir, 'report.ndjson');
    const r = await cli(...trust, '--source', 'feed', '--file', feed('good.json', Array.from({ length: 20 }, (_, i) => record(`s${i}`)).concat([record('s0')])), '--report', report);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/21 records read: 20 imported, 0 imported with repairs, 0 left out, 1 duplicate\. Published version 1: 20 added or changed, 0 withdrawn, 0 unchanged\./);
    const lines = readFileSync(report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; outcome: string; firstCopy: unknown });
    expect(lines).toHaveLength(21);
    expect(lines[20]).toMatchObject({ seq: 21, outcome: 'duplicate', firstCopy: { seq: 1, place: 'item 1' } });
  });

  it('exits 3 when the import would withdraw too much, and publishes once the operator confirms', async () => {
    const fewer = feed('fewer.json', Array.from({ length: 10 }, (_, i) => record(`s${i}`)));
    const held = await cli(...trust, '--source', 'feed', '--file', fewer);
    expect(held.status).toBe(3);
    expect(held.out).toMatch(/Waiting for confirmation: publishing it would withdraw 10 of the trust's 20 services \(50 %\), more than 10 %/);
    expect(held.out).toMatch(/waits for confirmation: POST \/v1\/admin\/directory\/imports\/[0-9a-f-]+\/confirm \(or \/refuse\), or run again with --confirm-withdrawals/);
    const confirmed = await cli(...trust, '--source', 'feed', '--file', fewer, '--confirm-withdrawals');
    expect(confirmed.status, confirmed.out).toBe(0);
    expect(confirmed.out).toMatch(/Published version 2: 0 added or changed, 10 withdrawn, 10 unchanged\./);
  });

  it('a partial read publishes with exit 0 and says nothing was withdrawn', async () => {
    const r = await cli(...trust, '--source', 'feed', '--file', feed('page.json', { total_pages: 2, page_number: 1, contents: [record('s0')] }));
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/Only part of the feed could be read \(see its problems\), so nothing was withdrawn\./);
    expect(r.out).toMatch(/partial\s+\(feed\): This document is one page of 2 of a paged list/);
  });

  it('exits 1 for an NDJSON file with no services', async () => {
    const file = path.join(dir, 'none.ndjson');
    writeFileSync(file, '\n');
    const r = await cli(...trust, '--file', file);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/Nothing was published: the input holds no services/);
  });
});
