/*
 * A team lead's desk against the real server on loopback (PostgreSQL): the desk pulls the team's
 * records, and its shift summary (computed offline by the one pure function) and its CSV, XLSX and
 * PDF files are identical, figure for figure and byte for byte, to what GET /v1/summaries/shift
 * gives for the same records and minute. Exports are cancellable, leave no partial file, are
 * audited, and only a team's lead (as the server says) gets its summaries.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAndDistribute } from '../../server/src/directory/publisher';
import { createSummaryRoutes } from '../../server/src/summaries/summary-routes';
import { hintRoutes } from '../../server/src/sync/hint-routes';
import { syncRoutes } from '../../server/src/sync/sync-routes';
import { directoryRoutes } from '../../server/src/directory';
import type { ExportProgressEvent, ExportResult, ShiftSummaryView, TeamContextView } from '../../shared/contract';
import type { ShiftSummary } from '../../shared/lib/shift-summary';
import { TestDesk, TestTokens, waitFor } from '../support/desk-harness';
import { createTestServer, USERS, type TestServer, type TestUser } from '../support/server-fixtures';
import { openSeededDatabase, type OpenedDatabase } from '../support/server-databases';
import { at, makeService } from '../support/services';
import { pushCalls, SEED_SERVICES, shiftCalls } from '../support/shift-seed';

const FROM = '2026-10-24T19:00:00.000Z';
const TO = '2026-10-25T08:00:00.000Z';
let clock = new Date('2026-10-25T08:10:20.000Z');
const now = () => clock;

describe('shift summaries on a team lead’s desk', () => {
  let opened: OpenedDatabase;
  let server: TestServer;
  let serverDir: string;
  let outDir: string;
  let base: string;
  const desks: TestDesk[] = [];

  const newDesk = (user: TestUser) => {
    const tokens = new TestTokens(server.tokenFor, user);
    const desk = new TestDesk({ serverUrl: base, tokens, timeoutMs: 5000, idleTimeoutMs: 5000 }, { now, appVersion: '9.8.7-test' });
    desks.push(desk);
    return { desk, tokens };
  };
  const range = { teamId: 'team-a1', from: FROM, to: TO };
  const apiFile = async (format: string, audience: string) => {
    const r = await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a1&from=${FROM}&to=${TO}&format=${format}&audience=${audience}`, headers: await server.auth(USERS.a1Lead) });
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    return r.rawPayload;
  };
  const apiSummary = async () =>
    (await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a1&from=${FROM}&to=${TO}`, headers: await server.auth(USERS.a1Lead) })).json() as ShiftSummary;

  let lead: TestDesk;
  let leadTokens: TestTokens;
  let teamRecords: number;

  beforeAll(async () => {
    opened = await openSeededDatabase('postgres');
    serverDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-server-'));
    outDir = mkdtempSync(path.join(tmpdir(), 'crisis-desk-exports-'));
    server = await createTestServer(opened.db, [syncRoutes, hintRoutes, createSummaryRoutes({ now, appVersion: '9.8.7-test' }), directoryRoutes], { DATA_DIR: serverDir });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    await publishAndDistribute(server.deps, 'trust-a', SEED_SERVICES.map((s, i) => makeService({ id: s.id, name: s.name, type: s.type, locations: at(s.id, 51.46 + i / 100, -0.08) })), { source: 'test', complete: true });
    const a1 = [USERS.a1Clinician, USERS.a1Clinician2] as TestUser[];
    const calls = [...shiftCalls(21, { clinicians: a1 }, FROM, TO, 150, clock.toISOString(), 'QZXCANARY7'), ...shiftCalls(22, { clinicians: a1 }, '2026-10-23T08:00:00.000Z', FROM, 40, clock.toISOString())];
    await pushCalls(server, [USERS.a1Clinician], calls);
    await pushCalls(server, [USERS.a1Clinician2], calls, 3);
    teamRecords = Number((await opened.db.query<{ n: string }>("SELECT count(*) AS n FROM call_record WHERE team_id = 'team-a1'"))[0]!.n);
    ({ desk: lead, tokens: leadTokens } = newDesk(USERS.a1Lead));
    await waitFor('the team’s records on the lead’s desk', () => (lead.core.desk.db.prepare("SELECT count(*) FROM record_filing WHERE team_id = 'team-a1'").pluck().get() as number) === teamRecords, 30_000);
    await waitFor('the directory', () => lead.core.directory.info().services === SEED_SERVICES.length, 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const d of desks) d.close();
    await server.close();
    await opened.close();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  it('gives the same figures as the server for the same records and range', async () => {
    const view = await lead.call<ShiftSummaryView>('summaries.shift', range);
    expect(view.summary.contacts.total).toBeGreaterThan(100);
    expect(view.summary.handover.length).toBeGreaterThan(0);
    expect(view.summary.unsyncedDesks).toHaveLength(1);
    expect(view.summary).toEqual(await apiSummary());
    expect(view).toMatchObject({ teamName: 'team-a1', recordsPulledAt: expect.any(String), recordsAsOf: expect.any(String), waitingOnThisDesk: 0 });
    const ctx = await lead.call<TeamContextView>('summaries.teamContext', { teamId: 'team-a1' });
    expect(ctx.context?.presets.map((p) => p.id)).toEqual(['day', 'night']);
  });

  it('writes the same bytes as the API, for every format and audience, and audits each export', async () => {
    const events: ExportProgressEvent[] = [];
    const off = lead.core.on('summaries.exportProgress', (e) => events.push(e));
    for (const format of ['csv', 'xlsx', 'pdf'] as const) {
      for (const audience of ['handover', 'reporting'] as const) {
        const exportId = randomUUID();
        const file = path.join(outDir, `shift-${audience}.${format}`);
        const result = await lead.call<ExportResult>('summaries.export', { ...range, exportId, format, audience, path: file });
        expect(result).toMatchObject({ exportId, path: file, format, desksBehind: 1 });
        const desk = readFileSync(file);
        expect(result.bytes).toBe(desk.length);
        expect(Buffer.compare(desk, await apiFile(format, audience)), `${format} ${audience}`).toBe(0);
        const mine = events.filter((e) => e.exportId === exportId).map((e) => e.phase);
        expect(mine[0]).toBe('summary');
        expect(mine.at(-1)).toBe('done');
      }
    }
    off();
    expect(readdirSync(outDir).filter((f) => f.includes('.partial'))).toEqual([]);
    const audited = lead.core.desk.db.prepare("SELECT detail FROM audit WHERE action = 'export' ORDER BY seq").pluck().all() as string[];
    expect(audited).toHaveLength(6);
    expect(JSON.parse(audited[0]!)).toMatchObject({ what: 'shift_summary', format: 'csv', audience: 'handover', teamId: 'team-a1', from: FROM, to: TO, desksBehind: 1 });
    for (const a of audited) expect(a).not.toContain('QZXCANARY7');
    expect((await lead.call<{ ok: boolean }>('audit.verify')).ok).toBe(true);
  });

  it('works offline from what it has pulled, and says how fresh that is', async () => {
    const online = await lead.call<ShiftSummaryView>('summaries.shift', range);
    leadTokens.setSignedIn(false);
    clock = new Date(clock.getTime() + 5_000); // same minute, context no longer fresh
    try {
      const offline = await lead.call<ShiftSummaryView>('summaries.shift', range);
      expect(offline.summary).toEqual(online.summary);
      expect(offline.contextFetchedAt).toBe(online.contextFetchedAt);
      const file = path.join(outDir, 'offline.csv');
      await lead.call<ExportResult>('summaries.export', { ...range, exportId: randomUUID(), format: 'csv', audience: 'handover', path: file });
      expect(Buffer.compare(readFileSync(file), await apiFile('csv', 'handover'))).toBe(0);
    } finally {
      leadTokens.setSignedIn(true);
    }
  });

  it('cancels an export, before or while it writes, and leaves no file', async () => {
    const file = path.join(outDir, 'cancelled.xlsx');
    const before = randomUUID();
    const pending = lead.core.handle('summaries.export', { ...range, exportId: before, format: 'xlsx', audience: 'handover', path: file });
    expect(await lead.call('summaries.cancelExport', { exportId: before })).toEqual({ cancelled: true });
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });

    const during = randomUUID();
    const off = lead.core.on('summaries.exportProgress', (e) => {
      if (e.exportId === during && e.phase === 'contacts') void lead.core.handle('summaries.cancelExport', { exportId: during });
    });
    const r = await lead.core.handle('summaries.export', { ...range, exportId: during, format: 'csv', audience: 'handover', path: path.join(outDir, 'cancelled.csv') });
    off();
    expect(r).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(existsSync(file) || existsSync(path.join(outDir, 'cancelled.csv'))).toBe(false);
    expect(readdirSync(outDir).filter((f) => f.includes('.partial'))).toEqual([]);
    expect(await lead.call('summaries.cancelExport', { exportId: randomUUID() })).toEqual({ cancelled: false });
  });

  it('refuses a bad path or range at its field, and a failed write leaves nothing', async () => {
    const call = (p: object) => lead.core.handle('summaries.export', { ...range, exportId: randomUUID(), format: 'pdf', audience: 'handover', path: path.join(outDir, 'x.pdf'), ...p });
    expect(await call({ path: 'relative.pdf' })).toMatchObject({ ok: false, error: { code: 'invalid_params', fields: [{ field: 'path' }] } });
    expect(await call({ path: path.join(outDir, 'x.csv') })).toMatchObject({ ok: false, error: { code: 'invalid_params', fields: [{ field: 'path' }] } });
    expect(await call({ to: FROM })).toMatchObject({ ok: false, error: { code: 'invalid_params', fields: [{ field: 'to' }] } });
    expect(await call({ from: '2026-09-01T00:00:00Z' })).toMatchObject({ ok: false, error: { code: 'invalid_params', message: expect.stringContaining('31 days') } });
    expect(await call({ audience: 'everyone' })).toMatchObject({ ok: false, error: { code: 'invalid_params', fields: [{ field: 'audience' }] } });
    const missing = path.join(outDir, 'no-such-folder', 'x.pdf');
    expect(await call({ path: missing })).toMatchObject({ ok: false, error: { code: 'export_failed', message: expect.stringContaining('does not exist') } });
    expect(existsSync(path.dirname(missing))).toBe(false);
  });

  it('gives summaries only to whom the server allows: not a clinician, not another team’s lead', async () => {
    const { desk: clinician } = newDesk(USERS.a1Clinician);
    expect(await clinician.core.handle('summaries.shift', range)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await lead.core.handle('summaries.shift', { ...range, teamId: 'team-a2' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A desk never told about a team has nothing to show offline.
    const { desk: fresh, tokens } = newDesk(USERS.a1Lead);
    tokens.setSignedIn(false);
    expect(await fresh.core.handle('summaries.shift', range)).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('Sign in as the team’s lead') } });
  });
});
