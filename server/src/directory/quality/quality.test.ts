import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../../test/support/server-fixtures';
import { DATABASE_KINDS, openSeededDatabase, type OpenedDatabase } from '../../../../test/support/server-databases';
import { makeService } from '../../../../test/support/services';
import { push, ScriptedDesk } from '../../../../test/support/sync-fixtures';
import type { DirectoryService } from '../../../../shared/domain/directory';
import { CorrectionView, ReportPage, ReportView, ServiceDetail, VersionChangePage, VersionList } from '../../../../shared/directory/quality-api';
import { DirectoryChangeLine, PushResponse } from '../../../../shared/sync/protocol';
import { dateOfDayNumber, dayNumberOf, instantOfLondonWallClock, londonDateOf } from '../../../../shared/lib/calendar';
import { ShiftSummary } from '../../../../shared/lib/shift-summary';
import { TeamContext } from '../../../../shared/lib/shift-team-context';
import { createSummaryRoutes } from '../../summaries/summary-routes';
import { syncRoutes } from '../../sync/sync-routes';
import { directoryRoutes } from '../index';
import { publishAndDistribute } from '../publisher';
import { publishOverlays } from './publish-overlays';

const feed = (name = 'Southvale Crisis Café'): DirectoryService[] => [
  makeService({ id: 'feed:cafe', name, type: 'crisis_cafe', phones: [{ number: '0800 123 4567', type: 'public' }, { number: '020 7946 0001', type: 'professionals' }] }),
  makeService({ id: 'feed:line', name: 'Riverside Crisis Line', type: 'crisis_helpline' }),
  makeService({ id: 'feed:house', name: 'Harbour Crisis House', type: 'crisis_house' }),
];

describe.each(DATABASE_KINDS)('the directory quality loop, on %s', (_name, kind) => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let dataDir: string;
  const desk = new ScriptedDesk();
  const call = async (user: TestUser, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    server.app.inject({ method, url, headers: await server.auth(user), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const publishFeed = (services: DirectoryService[], trustId = 'trust-a', complete = true) => publishAndDistribute(server.deps, trustId, services, { source: 'feed', complete });
  const published = async (id: string, trustId = 'trust-a') => {
    const [row] = await opened.db.query<{ doc: DirectoryService | null; feed_doc: DirectoryService | null; version: number }>(
      'SELECT doc, feed_doc, version FROM directory_service WHERE trust_id = $1 AND id = $2',
      [trustId, id],
    );
    return row!;
  };
  const versionOf = async (trustId = 'trust-a') => (await opened.db.query<{ version: number }>('SELECT version FROM directory_state WHERE trust_id = $1', [trustId]))[0]!.version;
  const changesSince = async (cursor: string) => {
    const r = await call(USERS.a2Clinician, 'GET', `/v1/directory/changes?cursor=${encodeURIComponent(cursor)}`);
    return r.body.trimEnd().split('\n').map((l) => DirectoryChangeLine.parse(JSON.parse(l)));
  };
  const cursorNow = async () => {
    const r = await call(USERS.a2Clinician, 'GET', '/v1/directory/changes');
    const end = r.body.trimEnd().split('\n').map((l) => DirectoryChangeLine.parse(JSON.parse(l))).at(-1)!;
    return (end as { cursor: string }).cursor;
  };
  const pushReports = async (user: TestUser, d: ScriptedDesk, mutations: ReturnType<ScriptedDesk['report']>[]) => {
    const r = await push(server, user, d.request(mutations));
    expect(r.statusCode, r.body).toBe(200);
    return PushResponse.parse(r.json());
  };

  beforeAll(async () => {
    opened = await openSeededDatabase(kind);
    dataDir = mkdtempSync(path.join(tmpdir(), 'quality-'));
    server = await createTestServer(opened.db, [syncRoutes, directoryRoutes, createSummaryRoutes()], { DATA_DIR: dataDir });
    await publishFeed(feed());
    await publishFeed([makeService({ id: 'feed:north-only', name: 'Northmoor Safe Haven', type: 'safe_haven' })], 'trust-b');
  });
  afterAll(async () => {
    await server.close();
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let reportId = '';

  it('files a clinician’s report under them and their team, and publishes it on its service at once (the answer names the version)', async () => {
    const cursor = await cursorNow();
    const before = await versionOf();
    const m = desk.report('feed:cafe', 'number_not_answering', { phone: '0800 123 4567', serviceName: 'Southvale Crisis Café' });
    reportId = m.recordId;
    const answer = await pushReports(USERS.a1Clinician, desk, [m]);
    expect(answer.results[0]).toMatchObject({ status: 'applied', serverRevision: before + 1 });

    const [row] = await opened.db.query('SELECT reported_by, team_id, trust_id, kind, phone, published_version FROM directory_report WHERE id = $1', [reportId]);
    expect(row).toEqual({ reported_by: 'a1-clin', team_id: 'team-a1', trust_id: 'trust-a', kind: 'number_not_answering', phone: '0800 123 4567', published_version: before + 1 });

    // Another desk of the trust catches up: the service comes with the open report (and nothing about who made it).
    const lines = await changesSince(cursor);
    const put = lines.find((l) => l.op === 'put' && l.service.id === 'feed:cafe');
    expect(put).toBeDefined();
    expect(put!.op === 'put' && put!.service.openReports).toEqual([{ id: reportId, kind: 'number_not_answering', phone: '0800 123 4567', reportedAt: m.payload.kind === 'report' ? new Date(m.payload.reportedAt).toISOString() : '' }]);
    expect(JSON.stringify(put)).not.toContain('a1-clin');
    // The feed's own document is kept beside it.
    expect((await published('feed:cafe')).feed_doc?.openReports).toBeUndefined();
  });

  it('answers a replayed report with the same version, and files it once', async () => {
    const d = new ScriptedDesk();
    const m = d.report('feed:line', 'hours_wrong', { note: 'Says 24 hours, voicemail after 22:00' });
    const first = await pushReports(USERS.a1Clinician2, d, [m]);
    const again = await pushReports(USERS.a1Clinician2, d, [m]);
    expect(again.results[0]).toMatchObject({ status: 'duplicate', original: 'applied', serverRevision: first.results[0]!.serverRevision });
    const [n] = await opened.db.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_report WHERE id = $1', [m.recordId]);
    expect(n!.n).toBe(1);
  });

  it('refuses a report of a service outside the sender’s trust, or unknown, and one whose note names a caller', async () => {
    const d = new ScriptedDesk();
    const answer = await pushReports(USERS.a1Clinician, d, [d.report('feed:north-only', 'service_closed'), d.report('feed:nowhere', 'other', { note: 'x' })]);
    expect(answer.results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(answer.results[0]!.reason).toMatch(/not in your trust’s directory/);
    const nhs = await push(server, USERS.a1Clinician, d.request([d.report('feed:cafe', 'other', { note: 'Caller 943 476 5919 was turned away' })]));
    expect(nhs.statusCode).toBe(400);
    expect(nhs.json().message).toMatch(/NHS number/);
    const [n] = await opened.db.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_report WHERE service_id IN ('feed:north-only', 'feed:nowhere')");
    expect(n!.n).toBe(0);
  });

  it('shows the queue to the trust’s directory leads only', async () => {
    const page = ReportPage.parse((await call(USERS.aAdmin, 'GET', '/v1/admin/directory/reports')).json());
    expect(page.open).toBe(2);
    const mine = page.reports.find((r) => r.id === reportId)!;
    expect(mine).toMatchObject({ serviceName: 'Southvale Crisis Café', servicePublished: true, kind: 'number_not_answering', reportedBy: { userId: 'a1-clin' }, team: { id: 'team-a1' }, resolution: null });
    // Another trust's lead sees none of it, and cannot act on it.
    expect(ReportPage.parse((await call(USERS.bAdmin, 'GET', '/v1/admin/directory/reports?status=all')).json()).reports).toEqual([]);
    expect((await call(USERS.bAdmin, 'GET', `/v1/admin/directory/reports/${reportId}`)).statusCode).toBe(404);
    expect((await call(USERS.bAdmin, 'POST', `/v1/admin/directory/reports/${reportId}/resolve`, { resolution: 'dismissed' })).statusCode).toBe(404);
    // Clinicians and team leads are not directory leads.
    for (const u of [USERS.a1Clinician, USERS.a1Lead]) expect((await call(u, 'GET', '/v1/admin/directory/reports')).statusCode).toBe(403);
  });

  it('resolves a report by a local correction: published as a directory change, with who and when', async () => {
    const cursor = await cursorNow();
    const r = await call(USERS.aAdmin, 'POST', `/v1/admin/directory/reports/${reportId}/resolve`, {
      resolution: 'corrected_locally',
      note: 'Rang it: out of order',
      correction: { kind: 'phone_not_working', number: '0800 123 4567', note: 'Line fault reported to the provider' },
    });
    expect(r.statusCode, r.body).toBe(200);
    const report = ReportView.parse(r.json());
    expect(report.resolution).toMatchObject({ kind: 'corrected_locally', note: 'Rang it: out of order', by: { userId: 'a-admin' }, correctionId: expect.any(String) });

    const doc = (await published('feed:cafe')).doc!;
    expect(doc.phones).toEqual([{ number: '0800 123 4567', type: 'public', notWorking: true }, { number: '020 7946 0001', type: 'professionals' }]);
    expect(doc.openReports).toBeUndefined();
    expect(doc.localCorrections).toEqual([expect.objectContaining({ kind: 'phone_not_working', number: '0800 123 4567', id: report.resolution!.correctionId })]);
    const lines = await changesSince(cursor);
    expect(lines.filter((l) => l.op === 'put').map((l) => l.op === 'put' && l.service.id)).toEqual(['feed:cafe']);

    // Resolving it again changes nothing.
    expect((await call(USERS.aAdmin, 'POST', `/v1/admin/directory/reports/${reportId}/resolve`, { resolution: 'dismissed' })).statusCode).toBe(409);
  });

  it('keeps local corrections on top of every re-import, and publishes nothing when the feed has not changed', async () => {
    const before = await versionOf();
    const same = await publishFeed(feed());
    expect(same.publish).toMatchObject({ changed: false, put: 0 });
    expect(await versionOf()).toBe(before);

    const renamed = await publishFeed(feed('Southvale Crisis Café (Brixton)'));
    expect(renamed.publish).toMatchObject({ changed: true, put: 1 });
    const row = await published('feed:cafe');
    expect(row.doc!.name).toBe('Southvale Crisis Café (Brixton)');
    expect(row.doc!.phones[0]).toEqual({ number: '0800 123 4567', type: 'public', notWorking: true });
    expect(row.doc!.localCorrections).toHaveLength(1);
    expect(row.feed_doc!.name).toBe('Southvale Crisis Café (Brixton)');
    expect(row.feed_doc!.phones[0]!.notWorking).toBeUndefined();
  });

  it('closes a service with its alert and adds dated hours first; refuses a number the service does not have', async () => {
    const closure = await call(USERS.aAdmin, 'POST', '/v1/admin/directory/corrections', { serviceId: 'feed:house', change: { kind: 'closure', alert: 'Flooded: use Riverside Crisis Line', until: null } });
    expect(closure.statusCode, closure.body).toBe(201);
    // A day ahead of whenever the test runs (corrections already over are refused).
    const day = dateOfDayNumber(dayNumberOf(londonDateOf(new Date())) + 10);
    const hours = await call(USERS.aAdmin, 'POST', '/v1/admin/directory/corrections', {
      serviceId: 'feed:line', change: { kind: 'hours_exception', from: day, to: day, sessions: [{ opens: '10:00', closes: '16:00' }], note: 'Christmas Eve' },
    });
    expect(hours.statusCode, hours.body).toBe(201);
    const label = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(`${day}T00:00:00Z`));
    expect(CorrectionView.parse(hours.json()).text).toBe(`On ${label}: open 10:00–16:00 (Christmas Eve)`);
    expect((await published('feed:house')).doc!).toMatchObject({ status: 'temporarily_closed', localCorrections: [{ kind: 'closure', alert: 'Flooded: use Riverside Crisis Line' }] });
    expect((await published('feed:line')).doc!.schedule.exceptions[0]).toEqual({ from: day, to: day, sessions: [{ opens: '10:00', closes: '16:00' }], note: 'Local correction: Christmas Eve' });

    const wrong = await call(USERS.aAdmin, 'POST', '/v1/admin/directory/corrections', { serviceId: 'feed:house', change: { kind: 'phone_not_working', number: '0999 999 9999' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toMatch(/not one of this service’s numbers/);
    expect((await call(USERS.bAdmin, 'POST', '/v1/admin/directory/corrections', { serviceId: 'feed:house', change: { kind: 'alert', text: 'x' } })).statusCode).toBe(404);
  });

  it('puts a removed correction’s service back as its feed gives it', async () => {
    const list = (await call(USERS.aAdmin, 'GET', '/v1/admin/directory/corrections?serviceId=feed%3Ahouse')).json().corrections as CorrectionView[];
    const r = await call(USERS.aAdmin, 'POST', `/v1/admin/directory/corrections/${list[0]!.id}/remove`);
    expect(r.statusCode, r.body).toBe(200);
    expect(CorrectionView.parse(r.json()).removed).toMatchObject({ how: 'removed', by: { userId: 'a-admin' } });
    const row = await published('feed:house');
    expect(row.doc!.status).toBe('active');
    expect(row.doc!.localCorrections).toBeUndefined();
    expect(row.feed_doc).toBeNull();
    expect((await call(USERS.aAdmin, 'POST', `/v1/admin/directory/corrections/${list[0]!.id}/remove`)).statusCode).toBe(409);
  });

  it('lapses a closure after its last day (London), and refuses one already over', async () => {
    const tomorrow = dayNumberOf(londonDateOf(new Date())) + 1;
    const made = CorrectionView.parse(
      (await call(USERS.aAdmin, 'POST', '/v1/admin/directory/corrections', { serviceId: 'feed:house', change: { kind: 'closure', alert: 'Closed for repairs', until: dateOfDayNumber(tomorrow) } })).json(),
    );
    await publishOverlays(server.deps, 'trust-a', instantOfLondonWallClock(tomorrow, 23 * 60 + 59));
    expect((await published('feed:house')).doc!.status).toBe('temporarily_closed');
    await publishOverlays(server.deps, 'trust-a', instantOfLondonWallClock(tomorrow + 1, 1));
    expect((await published('feed:house')).doc!.status).toBe('active');
    const over = await call(USERS.aAdmin, 'POST', '/v1/admin/directory/corrections', { serviceId: 'feed:house', change: { kind: 'closure', alert: 'x', until: dateOfDayNumber(tomorrow - 2) } });
    expect(over.statusCode).toBe(400);
    expect(over.json().message).toMatch(/already over/);
    const after = (await call(USERS.aAdmin, 'GET', '/v1/admin/directory/corrections?status=all&serviceId=feed%3Ahouse')).json().corrections as CorrectionView[];
    expect(after.find((c) => c.id === made.id)!.removed).toMatchObject({ how: 'lapsed', by: null });
  });

  it('removes a dismissed report from desks, and lists every version with what it changed and why', async () => {
    const open = ReportPage.parse((await call(USERS.aAdmin, 'GET', '/v1/admin/directory/reports')).json()).reports;
    expect(open).toHaveLength(1);
    const r = await call(USERS.aAdmin, 'POST', `/v1/admin/directory/reports/${open[0]!.id}/resolve`, { resolution: 'dismissed', note: 'Checked: hours are right' });
    expect(r.statusCode).toBe(200);
    expect((await published('feed:line')).doc!.openReports).toBeUndefined();

    const versions = VersionList.parse((await call(USERS.aAdmin, 'GET', '/v1/admin/directory/versions')).json());
    expect(versions.current).toBe(await versionOf());
    expect(versions.versions[0]).toMatchObject({ version: versions.current, cause: 'quality', changed: 1 });
    const changes = VersionChangePage.parse((await call(USERS.aAdmin, 'GET', `/v1/admin/directory/versions/${versions.current}/changes`)).json());
    expect(changes.changes).toEqual([{ serviceId: 'feed:line', name: 'Riverside Crisis Line', change: 'changed', why: 'Report resolved (dismissed): hours wrong' }]);
    const first = versions.versions.at(-1)!;
    expect(first).toMatchObject({ cause: 'publish', added: 3, changed: 0, withdrawn: 0 });
    const firstChanges = VersionChangePage.parse((await call(USERS.aAdmin, 'GET', `/v1/admin/directory/versions/${first.version}/changes`)).json());
    expect(firstChanges.changes.map((c) => [c.serviceId, c.change])).toEqual([['feed:cafe', 'added'], ['feed:house', 'added'], ['feed:line', 'added']]);
    expect((await call(USERS.bAdmin, 'GET', `/v1/admin/directory/versions/${versions.current}/changes`)).statusCode).toBe(404);
  });

  it('shows a service as desks have it and as its feed gave it', async () => {
    const s = ServiceDetail.parse((await call(USERS.aAdmin, 'GET', '/v1/admin/directory/services/feed%3Acafe')).json());
    expect(s.published.localCorrections).toHaveLength(1);
    expect(s.feed!.localCorrections).toBeUndefined();
    const found = (await call(USERS.aAdmin, 'GET', '/v1/admin/directory/services?q=brixton')).json().services;
    expect(found).toEqual([expect.objectContaining({ id: 'feed:cafe', corrections: 1, openReports: 0 })]);
    expect((await call(USERS.bAdmin, 'GET', '/v1/admin/directory/services/feed%3Acafe')).statusCode).toBe(404);
  });

  it('keeps a report of a withdrawn service in the queue, named as it was', async () => {
    const d = new ScriptedDesk();
    const m = d.report('feed:house', 'service_closed', { serviceName: 'Harbour Crisis House' });
    await pushReports(USERS.a2Clinician, d, [m]);
    await publishFeed(feed('Southvale Crisis Café (Brixton)').filter((s) => s.id !== 'feed:house'));
    const r = ReportView.parse((await call(USERS.aAdmin, 'GET', `/v1/admin/directory/reports/${m.recordId}`)).json());
    expect(r).toMatchObject({ serviceName: 'Harbour Crisis House', servicePublished: false, resolution: null });
  });

  it('counts the reports the team made in a shift, in the summary and in the team context for the lead’s desk', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const s = ShiftSummary.parse((await call(USERS.a1Lead, 'GET', `/v1/summaries/shift?teamId=team-a1&from=${from}&to=${to}`)).json());
    expect(s.directoryProblems).toEqual({ reported: 2, byKind: [{ kind: 'hours_wrong', count: 1 }, { kind: 'number_not_answering', count: 1 }] });
    const c = TeamContext.parse((await call(USERS.a1Lead, 'GET', '/v1/summaries/team-context?teamId=team-a1')).json());
    expect(c.directoryProblems.map((p) => p.kind).sort()).toEqual(['hours_wrong', 'number_not_answering']);
    expect(c.directoryProblems.every((p) => typeof p.id === 'string')).toBe(true);
  });
});
