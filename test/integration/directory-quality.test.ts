/*
 * The directory's quality loop end to end on real PostgreSQL, with two real desk cores syncing over
 * loopback: a clinician reports a dead number (offline first), every desk of the trust sees it
 * after its catch-up, the trust's directory lead corrects the service locally, the correction is
 * published as a directory change that the other desk catches up on, a re-import keeps it, and
 * removing it (or resolving a report) takes the warning off the desks again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAndDistribute } from '../../server/src/directory/publisher';
import { routeModules } from '../../server/src/routes';
import type { SearchResult, ServiceResult, ShiftSummaryView } from '../../shared/contract';
import type { DirectoryService } from '../../shared/domain/directory';
import type { ServiceReport } from '../../shared/domain/directory-quality';
import type { CorrectionView} from '../../shared/directory/quality-api';
import { ReportPage, ReportView } from '../../shared/directory/quality-api';
import { ShiftSummary } from '../../shared/lib/shift-summary';
import { TestDesk, TestTokens, waitFor } from '../support/desk-harness';
import { createTestServer, USERS, type TestServer, type TestUser } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';
import { makeService } from '../support/services';

const feed = (cafeName = 'Harbour Crisis Café'): DirectoryService[] => [
  makeService({ id: 'south:cafe', name: cafeName, type: 'crisis_cafe', phones: [{ number: '0800 123 4567', type: 'public' }, { number: '020 7946 0002', type: 'out_of_hours' }] }),
  makeService({ id: 'south:line', name: 'Riverside Crisis Line', type: 'crisis_helpline' }),
];

describe('the directory quality loop between desks, the server and the directory lead (PostgreSQL)', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let serverDir: string;
  let base: string;
  const desks: TestDesk[] = [];
  let reporter: { desk: TestDesk; tokens: TestTokens };
  let other: { desk: TestDesk; tokens: TestTokens };

  const newDesk = (user: TestUser) => {
    const tokens = new TestTokens(server.tokenFor, user);
    const desk = new TestDesk({ serverUrl: base, tokens, timeoutMs: 5000, idleTimeoutMs: 5000 });
    desks.push(desk);
    return { desk, tokens };
  };
  const cafeOn = async (d: TestDesk): Promise<ServiceResult> => (await d.call<SearchResult>('directory.search', { text: 'harbour' })).results.find((r) => r.service.id === 'south:cafe')!;
  const lead = async (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    server.app.inject({ method, url, headers: await server.auth(USERS.aAdmin), ...(payload !== undefined ? { payload: payload as object } : {}) });
  const version = (d: TestDesk) => Number(d.core.directory.info().version);

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    serverDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-quality-'));
    server = await createTestServer(opened.db, routeModules, { DATA_DIR: serverDir });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    await publishAndDistribute(server.deps, 'trust-a', feed(), { source: 'south', complete: true });
    reporter = newDesk(USERS.a1Clinician);
    other = newDesk(USERS.a2Clinician);
    for (const d of [reporter.desk, other.desk]) await waitFor('the directory', () => d.core.directory.info().services === 2);
  });

  afterAll(async () => {
    for (const d of desks) d.close();
    await server.close();
    await opened.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  let report: ServiceReport;

  it('a report made while the desk cannot sync is shown on the reporting desk at once, and reaches every desk after it is sent', async () => {
    reporter.tokens.setSignedIn(false); // the session ended: nothing goes to the server, the clinician carries on
    await waitFor('sync to pause', () => reporter.desk.status().paused?.reason === 'sign_in');
    report = await reporter.desk.call<ServiceReport>('directory.report', { serviceId: 'south:cafe', kind: 'number_not_answering', phone: '0800 123 4567', authorId: USERS.a1Clinician.userId });
    expect((await cafeOn(reporter.desk)).service.openReports).toEqual([{ ...report, local: true }]);
    expect((await cafeOn(other.desk)).service.openReports).toBeUndefined();
    expect(reporter.desk.status().waiting).toBe(1);

    reporter.tokens.setSignedIn(true);
    await waitFor('the report on the server', async () => (await opened.db.query('SELECT 1 FROM directory_report WHERE id = $1', [report.id])).length === 1);
    // The other desk is hinted and catches up: the card warns.
    await waitFor('the other desk to show the report', async () => (await cafeOn(other.desk)).service.openReports?.length === 1);
    const seen = (await cafeOn(other.desk)).service.openReports![0]!;
    expect(seen).toEqual({ id: report.id, kind: 'number_not_answering', phone: '0800 123 4567', reportedAt: report.reportedAt });
    // The reporting desk now shows the published copy, once.
    await waitFor('the reporting desk to hold the published copy', async () => {
      const reports = (await cafeOn(reporter.desk)).service.openReports ?? [];
      return reports.length === 1 && reports[0]!.local === undefined;
    });
    // Search order does not hide it: it is still found, open, among the results.
    const all = await other.desk.call<SearchResult>('directory.search', {});
    expect(all.results.map((r) => r.service.id)).toContain('south:cafe');
    expect((await cafeOn(other.desk)).service.status).toBe('active');
  });

  it('the lead’s queue has it with who reported it; a local correction is published to the other desk as a directory change', async () => {
    const queue = ReportPage.parse((await lead('GET', '/v1/admin/directory/reports')).json());
    expect(queue.reports).toEqual([expect.objectContaining({ id: report.id, reportedBy: { userId: 'a1-clin', displayName: 'a1-clin' }, team: { id: 'team-a1', name: 'team-a1' } })]);
    const before = version(other.desk);
    const resolved = await lead('POST', `/v1/admin/directory/reports/${report.id}/resolve`, {
      resolution: 'corrected_locally',
      correction: { kind: 'phone_not_working', number: '0800 123 4567', note: 'Line fault' },
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(ReportView.parse(resolved.json()).resolution).toMatchObject({ kind: 'corrected_locally', by: { userId: 'a-admin' } });

    await waitFor('the other desk to catch up on the correction', async () => (await cafeOn(other.desk)).service.localCorrections?.length === 1);
    expect(version(other.desk)).toBeGreaterThan(before);
    const s = (await cafeOn(other.desk)).service;
    expect(s.phones).toEqual([{ number: '0800 123 4567', type: 'public', notWorking: true }, { number: '020 7946 0002', type: 'out_of_hours' }]);
    expect(s.openReports).toBeUndefined();
    expect(s.localCorrections![0]).toMatchObject({ kind: 'phone_not_working', number: '0800 123 4567', note: 'Line fault' });
    await waitFor('the reporting desk too', async () => (await cafeOn(reporter.desk)).service.openReports === undefined);
  });

  it('a re-import of the feed keeps the correction on every desk', async () => {
    await publishAndDistribute(server.deps, 'trust-a', feed('Harbour Crisis Café (Old Town)'), { source: 'south', complete: true });
    await waitFor('the rename', async () => (await other.desk.call<SearchResult>('directory.search', { text: 'old town' })).results.length === 1);
    const s = (await cafeOn(other.desk)).service;
    expect(s.name).toBe('Harbour Crisis Café (Old Town)');
    expect(s.phones[0]).toEqual({ number: '0800 123 4567', type: 'public', notWorking: true });
    expect(s.localCorrections).toHaveLength(1);
  });

  it('removing the correction, or dismissing a report, takes the warning off the desks', async () => {
    const second = await other.desk.call<ServiceReport>('directory.report', { serviceId: 'south:cafe', kind: 'hours_wrong' });
    await waitFor('the reporting desk’s copy to reach the server and come back', async () => (await cafeOn(reporter.desk)).service.openReports?.some((r) => r.id === second.id));
    expect((await lead('POST', `/v1/admin/directory/reports/${second.id}/resolve`, { resolution: 'dismissed', note: 'Hours checked' })).statusCode).toBe(200);
    await waitFor('the dismissed report to leave both desks', async () => !(await cafeOn(reporter.desk)).service.openReports && !(await cafeOn(other.desk)).service.openReports);

    const corrections = (await lead('GET', '/v1/admin/directory/corrections')).json().corrections as CorrectionView[];
    expect((await lead('POST', `/v1/admin/directory/corrections/${corrections[0]!.id}/remove`)).statusCode).toBe(200);
    await waitFor('the correction to leave the other desk', async () => !(await cafeOn(other.desk)).service.localCorrections);
    expect((await cafeOn(other.desk)).service.phones[0]).toEqual({ number: '0800 123 4567', type: 'public' });
  });

  it('counts the reports of a shift the same on the lead’s desk as on the server', async () => {
    const { desk } = newDesk(USERS.a1Lead);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const onServer = ShiftSummary.parse((await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a1&from=${from}&to=${to}`, headers: await server.auth(USERS.a1Lead) })).json());
    const onDesk = await desk.call<ShiftSummaryView>('summaries.shift', { teamId: 'team-a1', from, to });
    expect(onServer.directoryProblems).toEqual({ reported: 1, byKind: [{ kind: 'number_not_answering', count: 1 }] });
    expect(onDesk.summary.directoryProblems).toEqual(onServer.directoryProblems);
  });
});
