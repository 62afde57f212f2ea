import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchResult, WaitingGroup } from '../../../shared/contract';
import type { ServiceReport } from '../../../shared/domain/directory-quality';
import { makeService, writeTestDirectory } from '../../../test/support/services';
import { GEO_DIR } from '../../../test/support/desk-harness';
import { PEOPLE, SignInsForTests, sentMutations } from '../calls/test-fixtures';
import { Core } from '../core';
import { MIGRATIONS, runMigrations } from '../db/migrations';
import { OutboxPush } from '../sync/outbox-push';
import { DirectoryDb } from './directory-db';
import { englandAndWalesCalendar } from '../../../shared/lib/bank-holidays';
import { LazyPostcodeCentroids } from './postcode-centroids';

/*
 * A clinician's report of a problem with a service, on the desk that makes it: one transaction
 * with its outbox entry (the author's stream) and audit entry, shown on the service at once, and
 * handed over to the published directory once that carries it.
 */

const services = [
  makeService({ id: 'cafe', name: 'Harbour Crisis Café', type: 'crisis_cafe', phones: [{ number: '0800 123 4567', type: 'public' }] }),
  makeService({ id: 'line', name: 'Riverside Crisis Line', type: 'crisis_helpline' }),
];

let dir: string;
let core: Core;
let signIns: SignInsForTests;

function open(version = '3') {
  dir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-reports-'));
  mkdirSync(path.join(dir, 'data'));
  writeTestDirectory(path.join(dir, 'data', 'directory.db'), services, version);
  signIns = new SignInsForTests(PEOPLE.day);
  // A server nobody answers at: the desk works offline, with the day clinician signed in.
  core = Core.open({ dataDir: path.join(dir, 'data'), geoDir: GEO_DIR, deskKey: randomBytes(32), sync: { serverUrl: 'http://127.0.0.1:9', tokens: signIns, watchdogMs: 3_600_000 } });
}

async function call<T>(method: string, params: unknown = {}): Promise<T> {
  const r = await core.handle(method, params);
  if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.code} ${r.error.message}`), { code: r.error.code, fields: r.error.fields });
  return r.value as T;
}
const reportsOn = async (id: string) => (await call<SearchResult>('directory.search', { text: 'crisis' })).results.find((r) => r.service.id === id)!.service.openReports ?? [];

beforeEach(() => open());
afterEach(() => {
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reporting a problem with a service', () => {
  it('queues the report in the reporter’s stream with its audit entry, and shows it on the service at once', async () => {
    const r = await call<ServiceReport>('directory.report', { serviceId: 'cafe', kind: 'number_not_answering', phone: '0800 123 4567', authorId: PEOPLE.day.userId });
    expect(r).toMatchObject({ kind: 'number_not_answering', phone: '0800 123 4567', local: true });
    expect(await reportsOn('cafe')).toEqual([r]);
    expect(await reportsOn('line')).toEqual([]);
    expect((await call<{ service: { openReports?: ServiceReport[] } }>('directory.get', { id: 'cafe' })).service.openReports).toEqual([r]);

    const db = core.desk.db;
    const queued = db.prepare('SELECT o.kind, o.record_id, o.author_id, o.stream_seq, s.author_id AS stream_author, o.payload FROM outbox o JOIN sync_stream s ON s.id = o.stream_id').all() as {
      kind: string; record_id: string; author_id: string; stream_seq: number; stream_author: string; payload: string;
    }[];
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ kind: 'report', record_id: r.id, author_id: 'clin-day', stream_seq: 1, stream_author: 'clin-day' });
    expect(JSON.parse(queued[0]!.payload)).toEqual({ kind: 'report', serviceId: 'cafe', serviceName: 'Harbour Crisis Café', reportKind: 'number_not_answering', phone: '0800 123 4567', reportedAt: r.reportedAt });
    const audit = db.prepare("SELECT detail FROM audit WHERE action = 'report'").pluck().all() as string[];
    expect(audit.map((d) => JSON.parse(d))).toEqual([{ author: 'clin-day', kind: 'number_not_answering', reportId: r.id, serviceId: 'cafe' }]);
    expect((await call<{ ok: boolean }>('audit.verify')).ok).toBe(true);
    expect(core.sync!.status().waiting).toBe(1);
    const waiting = await call<WaitingGroup[]>('sync.waiting');
    expect(waiting[0]!.records).toEqual([expect.objectContaining({ recordId: r.id, report: 'Report: Harbour Crisis Café — number not answering or wrong' })]);
  });

  it('keeps the note short and free of caller details, and writes the other-problem note through', async () => {
    const nhs = await core.handle('directory.report', { serviceId: 'cafe', kind: 'other', note: 'caller 943 476 5919 turned away' });
    expect(nhs).toMatchObject({ ok: false, error: { code: 'invalid_params', fields: [{ field: 'note', message: expect.stringMatching(/NHS number/) }] } });
    const long = await core.handle('directory.report', { serviceId: 'cafe', kind: 'other', note: 'x'.repeat(141) });
    expect(long).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    const mail = await core.handle('directory.report', { serviceId: 'cafe', kind: 'other', note: 'ask j.smith@example.org' });
    expect(mail).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    // A service's own number is not taken for an NHS number.
    const ok = await call<ServiceReport>('directory.report', { serviceId: 'cafe', kind: 'other', note: '  New number is 0800 123 4567  ' });
    expect(ok.note).toBe('New number is 0800 123 4567');
    expect(core.desk.db.prepare('SELECT count(*) FROM problem_report').pluck().get()).toBe(1);
  });

  it('needs someone at the desk, and the person the screen thinks is there', async () => {
    const stale = await core.handle('directory.report', { serviceId: 'cafe', kind: 'service_closed', authorId: 'someone-else' });
    expect(stale).toMatchObject({ ok: false, error: { code: 'session_changed' } });
    signIns.requestSignOut();
    const nobody = await core.handle('directory.report', { serviceId: 'cafe', kind: 'service_closed', authorId: null });
    expect(nobody).toMatchObject({ ok: false, error: { code: 'not_signed_in', message: expect.stringMatching(/Sign in to report/) } });
    const gone = await core.handle('directory.report', { serviceId: 'no-such', kind: 'service_closed' });
    expect(gone).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(core.desk.db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0);
    expect(core.desk.db.prepare('SELECT count(*) FROM problem_report').pluck().get()).toBe(0);
  });

  it('gives way to the published directory once it carries the report, and keeps a refused one out of sight but listed', async () => {
    const carried = await call<ServiceReport>('directory.report', { serviceId: 'cafe', kind: 'service_closed' });
    const later = await call<ServiceReport>('directory.report', { serviceId: 'cafe', kind: 'hours_wrong' });
    const refused = await call<ServiceReport>('directory.report', { serviceId: 'line', kind: 'eligibility_wrong' });
    const push = new OutboxPush(core.desk.db, () => new Date(), (id, o) => core.reports.settled(id, o));
    const stream = push.streams()[0]!;
    const batch = push.claim(stream.streamId)!;
    const answer = (i: number, status: 'applied' | 'rejected', serverRevision: number | null, reason: string | null = null) => ({
      seq: sentMutations(batch)[i]!.seq, mutationId: sentMutations(batch)[i]!.mutationId, status, serverRevision, reason, serverContent: null,
    });
    // The directory on this desk is at version 3: the first report is carried by it, the second only by version 4.
    push.settle(stream.streamId, [answer(0, 'applied', 3), answer(1, 'applied', 4), answer(2, 'rejected', null, 'This service is not in your trust’s directory.')], 3);
    expect((await reportsOn('cafe')).map((r) => r.id)).toEqual([later.id]);
    expect(await reportsOn('line')).toEqual([]);
    expect(core.sync!.status()).toMatchObject({ waiting: 0, rejected: 1 });
    const rejections = await call<{ kind: string; label?: string; recordId: string }[]>('sync.rejections');
    expect(rejections).toEqual([expect.objectContaining({ kind: 'report', recordId: refused.id, label: 'Report: Riverside Crisis Line — eligibility wrong' })]);
    expect(carried.id).not.toBe(later.id);
  });
});

describe('desk.db migration 6', () => {
  it('rebuilds the outbox keeping every queued change, its stream and the AUTOINCREMENT high-water mark, and still refuses an entry for nothing', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'crisis-desk-m5-'));
    const db = new Database(path.join(tmp, 'v4.db'));
    try {
      db.pragma('foreign_keys = ON');
      runMigrations(db, MIGRATIONS.slice(0, 5));
      db.prepare("INSERT INTO sync_stream (id, author_id, created_at) VALUES ('s1', 'clin-day', 't')").run();
      db.prepare("INSERT INTO call_record (id, status, revision, origin_client_id, created_at, updated_at, content) VALUES ('r1', 'draft', 1, 'c', 't', 't', '{}')").run();
      const add = db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time, author_id, stream_id, stream_seq) VALUES (?, 'r1', 'upsert', '{}', 't', 'clin-day', 's1', ?)");
      for (let i = 1; i <= 5; i++) add.run(`m${i}`, i);
      db.prepare("DELETE FROM outbox WHERE mutation_id IN ('m4', 'm5')").run();
      const before = db.prepare('SELECT * FROM outbox ORDER BY seq').all();
      // Up to this step (a later one drops outbox.attempts).
      runMigrations(db, MIGRATIONS.slice(0, 6));
      expect(db.prepare('SELECT seq, mutation_id, record_id, kind, payload, base_revision, desk_time, attempts, state, author_id, stream_id, stream_seq FROM outbox ORDER BY seq').all()).toEqual(before);
      // Seqs 4 and 5 were used: AUTOINCREMENT never hands them out again.
      db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m6', 'r1', 'upsert', '{}', 't')").run();
      expect(db.prepare("SELECT seq FROM outbox WHERE mutation_id = 'm6'").pluck().get()).toBe(6);
      expect(() => db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m7', 'no-record', 'upsert', '{}', 't')").run()).toThrow(/must name a call record or a report/);
      expect(() => db.prepare("INSERT INTO outbox (mutation_id, record_id, kind, payload, desk_time) VALUES ('m8', 'r1', 'report', '{}', 't')").run()).toThrow(/must name a call record or a report/);
      expect(() => db.prepare("UPDATE outbox SET record_id = 'r2' WHERE mutation_id = 'm1'").run()).toThrow(/never changes/);
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('directory.db schema 2', () => {
  it('upgrades a copy of schema 1 in place when it is opened, keeping every service', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'crisis-desk-dir1-'));
    const file = path.join(tmp, 'directory.db');
    try {
      writeTestDirectory(file, services);
      // Make it a schema 1 file, as a desk (or a snapshot built before the upgrade) has it.
      const raw = new Database(file);
      raw.exec("ALTER TABLE service DROP COLUMN open_reports; ALTER TABLE service DROP COLUMN local_corrections; ALTER TABLE phone DROP COLUMN not_working; UPDATE meta SET value = '1' WHERE key = 'schema_version'");
      raw.close();
      const d = DirectoryDb.open(file, new LazyPostcodeCentroids(GEO_DIR), englandAndWalesCalendar());
      try {
        expect(d.get('cafe', new Date()).service).toEqual(services[0]);
        d.applyChanges([{ op: 'put', version: 2, service: { ...services[0]!, phones: [{ number: '0800 123 4567', type: 'public', notWorking: true }], localCorrections: [{ id: '0190a000-0000-7000-8000-000000000001', kind: 'alert', text: 'Use the out-of-hours line', madeAt: '2026-12-01T10:00:00.000Z' }] } }], { cursor: 'c', version: 2, syncedAt: new Date().toISOString() });
        const s = d.get('cafe', new Date()).service;
        expect(s.phones[0]!.notWorking).toBe(true);
        expect(s.localCorrections).toHaveLength(1);
      } finally {
        d.close();
      }
      const check = new Database(file, { readonly: true });
      expect(check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe('2');
      check.close();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
