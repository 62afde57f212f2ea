import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { writeShiftExport } from '../../../export/shift-export';
import type { ExportProgressEvent, ShiftSummaryView, TeamContextView } from '../../../shared/contract';
import type { DeskUser } from '../../../shared/domain/people';
import { contactsOf } from '../../../shared/lib/shift-contacts';
import { summariseShift, summaryRecordOf, type SummaryRecord } from '../../../shared/lib/shift-summary';
import type { TeamContext } from '../../../shared/lib/shift-team-context';
import type { ServerCallRecord } from '../../../shared/sync/protocol';
import { generateCalls } from '../../../scripts/synthetic/generate-calls';
import { makeTempDir, PEOPLE, SignInsForTests } from '../calls/test-fixtures';
import { Core } from '../core';
import { exportFolder, exportRoutes } from '../../host/export-routes';
import { PulledRecords } from '../sync/pulled-records';

/*
 * Shift summaries in the core, without a server: who may ask (the desk user's roles, at the
 * teamId field), and that the desk's reading of its pulled records (SQL columns, streamed, the CSV
 * in one pass) gives exactly what the pure summary and the files make from the whole records.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');
const NOW = new Date('2026-10-25T08:10:00.000Z');
const NIGHT = { teamId: 'team-a1', from: '2026-10-24T19:00:00.000Z', to: '2026-10-25T08:00:00.000Z' };
const CLINICIANS = ['clin-day', 'clin-night'];
const CANARY = 'QZXCANARY9';

const ADMIN: DeskUser = { userId: 'admin-a', displayName: 'Admin (synthetic)', trustId: 'trust-a', teamId: null, roles: ['admin'] };
const OTHER_LEAD: DeskUser = { userId: 'lead-a2', displayName: 'Other Lead (synthetic)', trustId: 'trust-a', teamId: 'team-a2', roles: ['clinician', 'team_lead'] };

const opened: { core: Core; remove: () => void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) {
    o.core.close();
    o.remove();
  }
});

/** A desk core whose starter says `user` is signed in (no server answers: everything here is offline). */
function desk(user: DeskUser | null) {
  const { dir, remove } = makeTempDir('crisis-desk-summaries-');
  const signIns = new SignInsForTests(user);
  const core = Core.open({ dataDir: dir, geoDir: GEO_DIR, deskKey: randomBytes(32), now: () => NOW, appVersion: '9.8.7-test', sync: { serverUrl: 'http://127.0.0.1:9', tokens: signIns, watchdogMs: 60_000 } });
  opened.push({ core, remove });
  return { core, dir, signIns };
}

const context = (viewer: DeskUser): TeamContext => ({
  teamId: 'team-a1', teamName: 'Southvale night (synthetic)', viewer: { id: viewer.userId, name: viewer.displayName },
  presets: [{ id: 'day', label: 'Day', start: '08:00', end: '20:00' }, { id: 'night', label: 'Night', start: '20:00', end: '08:00' }], presetsConfigured: true,
  people: CLINICIANS.map((id) => ({ id, name: `Name of ${id}` })), desks: [], offlinePeriods: [], directoryProblems: [], recordsAsOf: NOW.toISOString(), generatedAt: NOW.toISOString(),
});

/** The team's records as the sync engine stores them when pulled, and the same records as the summary reads them. */
function pullTeam(core: Core, viewer: DeskUser): SummaryRecord[] {
  const calls = [
    ...generateCalls({ seed: 31, from: new Date(NIGHT.from), to: new Date(NIGHT.to), count: 160, clinicians: CLINICIANS, services: [{ id: 'svc-1', type: 'crisis_cafe' }], canary: CANARY, now: NOW }),
    ...generateCalls({ seed: 32, from: new Date('2026-10-20T08:00:00.000Z'), to: new Date(NIGHT.from), count: 120, clinicians: CLINICIANS, services: [{ id: 'svc-1', type: 'crisis_cafe' }], canary: CANARY, now: NOW }),
  ];
  const server: ServerCallRecord[] = calls.map((c) => ({
    id: c.id, clientId: randomUUID(), clinicianId: c.clinicianId, teamId: 'team-a1', status: c.status, revision: 1, content: c.content,
    contentHash: c.status === 'finalised' ? 'a'.repeat(64) : null, finalisedAt: c.status === 'finalised' ? (c.content.endedAt ?? c.content.startedAt) : null,
    discardedAt: c.status === 'discarded' ? c.content.startedAt : null, discardReason: c.discardReason,
    addenda: c.addenda.map((a) => ({ id: randomUUID(), text: a.text, createdAt: a.createdAt, contentHash: 'a'.repeat(64), callbackMadeAt: a.callbackMadeAt })),
    updatedAt: c.content.startedAt,
  }));
  new PulledRecords(core.desk.db).apply(server, 'c1', viewer.userId);
  core.desk.db.prepare('INSERT OR REPLACE INTO team_context (team_id, context, fetched_at, fetched_by) VALUES (?, ?, ?, ?)').run('team-a1', JSON.stringify(context(viewer)), NOW.toISOString(), viewer.userId);
  return server.map((r) =>
    summaryRecordOf({ ...r, addenda: r.addenda.map((a) => ({ ...a, recordId: r.id, author: null })) }, r.clinicianId),
  );
}

describe('who may see a team’s shifts on this desk', () => {
  it('refuses every summaries method to a clinician, and an export leaves no file and says why', async () => {
    const { core, dir } = desk(PEOPLE.day);
    for (const [method, params] of [
      ['summaries.teams', {}],
      ['summaries.teamContext', { teamId: 'team-a1' }],
      ['summaries.shift', NIGHT],
    ] as const) {
      expect(await core.handle(method, params), method).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('team leads and administrators') } });
    }
    const events: ExportProgressEvent[] = [];
    core.on('summaries.exportProgress', (e) => events.push(e));
    const exportId = randomUUID();
    const file = path.join(dir, 'refused.csv');
    expect(await core.handle('summaries.export', { ...NIGHT, exportId, format: 'csv', audience: 'handover', path: file })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(existsSync(file)).toBe(false);
    expect(events).toEqual([expect.objectContaining({ exportId, phase: 'failed', error: expect.objectContaining({ code: 'forbidden' }) })]);
  });

  it('refuses nobody signed in, and a lead asking for a team they do not lead, at the teamId field', async () => {
    const nobody = desk(null).core;
    expect(await nobody.handle('summaries.shift', NIGHT)).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
    const other = desk(OTHER_LEAD).core;
    expect(await other.handle('summaries.shift', NIGHT)).toMatchObject({ ok: false, error: { code: 'forbidden', fields: [{ field: 'teamId', message: 'you can only see the shifts of the team you lead.' }] } });
    expect(await other.handle('summaries.teamContext', { teamId: 'team-a1' })).toMatchObject({ ok: false, error: { fields: [{ field: 'teamId' }] } });
  });

  it('lets a lead whose session ended by itself go on offline; a sign-out closes it, and another person cannot use what was fetched for the lead', async () => {
    const { core, signIns } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    expect((await core.handle('summaries.shift', NIGHT)).ok).toBe(true);
    signIns.end();
    expect((await core.handle('summaries.shift', NIGHT)).ok).toBe(true);
    signIns.signInAs(PEOPLE.lead);
    signIns.requestSignOut();
    expect(await core.handle('summaries.shift', NIGHT)).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
    // Another lead of the same team signs in on this desk: the context stored for the first is not theirs.
    signIns.signInAs({ ...PEOPLE.lead, userId: 'lead-a1-second', displayName: 'Second Lead (synthetic)' });
    expect(await core.handle('summaries.shift', NIGHT)).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('Sign in as the team’s lead while online once') } });
  });

  it('tells an administrator that teams’ shifts come from the server, when there is none to ask', async () => {
    const { core } = desk(ADMIN);
    const r = await core.handle('summaries.shift', NIGHT);
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('Administrators see teams’ shifts from the server') } });
  });
});

describe('a lead’s shift from the records this desk pulled', () => {
  it('gives the figures the pure summary makes from the whole records, and the files the same bytes as from a list of them', async () => {
    const { core, dir } = desk(PEOPLE.lead);
    const records = pullTeam(core, PEOPLE.lead);
    const view = (await core.handle('summaries.shift', NIGHT)) as { ok: true; value: ShiftSummaryView };
    expect(view.ok).toBe(true);
    const expected = summariseShift({
      teamId: 'team-a1', from: new Date(NIGHT.from), to: new Date(NIGHT.to), now: NOW, records, desks: [], offlinePeriods: [], directoryProblems: [],
      directory: (id) => core.directory.entry(id), people: (id) => `Name of ${id}`,
    });
    expect(view.value.summary).toEqual(expected);
    expect(view.value.summary.contacts.total).toBeGreaterThan(100);
    expect(view.value.summary.handover.some((h) => h.carriedOver)).toBe(true);
    expect(view.value).toMatchObject({ source: 'team_records', teamName: 'Southvale night (synthetic)' });
    expect(JSON.stringify(view.value)).not.toContain(CANARY);

    const teams = await core.handle('summaries.teams', {});
    expect(teams).toEqual({ ok: true, value: { teams: [{ id: 'team-a1', name: 'Southvale night (synthetic)' }], source: 'team_records' } });
    const ctx = (await core.handle('summaries.teamContext', { teamId: 'team-a1' })) as { ok: true; value: TeamContextView };
    expect(ctx.value.context?.presets.map((p) => p.id)).toEqual(['day', 'night']);

    for (const format of ['csv', 'xlsx', 'pdf'] as const) {
      const file = path.join(dir, `night.${format}`);
      const r = await core.handle('summaries.export', { ...NIGHT, exportId: randomUUID(), format, audience: 'handover', path: file });
      expect(r, format).toMatchObject({ ok: true, value: { contacts: expected.contacts.total, desksBehind: 0 } });
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await writeShiftExport(
        format,
        { summary: expected, contacts: contactsOf(records, new Date(NIGHT.from), new Date(NIGHT.to)), audience: 'handover', team: { id: 'team-a1', name: 'Southvale night (synthetic)' }, generatedBy: PEOPLE.lead.displayName, appVersion: '9.8.7-test', recordsAsOf: view.value.recordsAsOf },
        out,
      );
      expect(Buffer.compare(readFileSync(file), Buffer.concat(chunks)), format).toBe(0);
    }
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('stops an export when the desk changes hands, and leaves no file', async () => {
    const { core, dir, signIns } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const file = path.join(dir, 'handed-over.xlsx');
    const exportId = randomUUID();
    const off = core.on('summaries.exportProgress', (e) => {
      if (e.exportId === exportId && e.phase === 'summary') signIns.signInAs(PEOPLE.night);
    });
    const r = await core.handle('summaries.export', { ...NIGHT, exportId, format: 'xlsx', audience: 'handover', path: file });
    off();
    expect(r).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });
});

describe('a shift summary file downloaded from the browser host (GET /exports/shift)', () => {
  async function serve(core: Core, dataDir: string) {
    const routes = exportRoutes(core, exportFolder(dataDir));
    const server = createServer((req, res) => {
      void routes(req, res, new URL(req.url ?? '/', 'http://127.0.0.1')).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }
  const query = (p: Record<string, string>) => `/exports/shift?${new URLSearchParams(p)}`;

  it('answers the finished file as a download, the same bytes as the core writes, and keeps no copy', async () => {
    const { core, dir } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const http = await serve(core, dir);
    try {
      const phases: string[] = [];
      const exportId = randomUUID();
      core.on('summaries.exportProgress', (e) => e.exportId === exportId && phases.push(e.phase));
      const res = await fetch(http.base + query({ ...NIGHT, exportId, format: 'csv', audience: 'reporting' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="shift-summary_team-a1_2026-10-24T2000_reporting.csv"; filename*=UTF-8''shift-summary_team-a1_2026-10-24T2000_reporting.csv`);
      const body = Buffer.from(await res.arrayBuffer());
      const direct = path.join(dir, 'direct.csv');
      expect(await core.handle('summaries.export', { ...NIGHT, exportId: randomUUID(), format: 'csv', audience: 'reporting', path: direct })).toMatchObject({ ok: true });
      expect(Buffer.compare(body, readFileSync(direct))).toBe(0);
      expect(phases.at(-1)).toBe('done');
      await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(path.join(dir, 'downloads'))).toEqual([]);
    } finally {
      await http.close();
    }
  });

  it('refuses a reversed range and a clinician with an error status and a failed event, and leaves no file', async () => {
    const { core, dir, signIns } = desk(PEOPLE.lead);
    pullTeam(core, PEOPLE.lead);
    const http = await serve(core, dir);
    try {
      const events: ExportProgressEvent[] = [];
      core.on('summaries.exportProgress', (e) => events.push(e));
      const reversed = randomUUID();
      const r1 = await fetch(http.base + query({ ...NIGHT, from: NIGHT.to, to: NIGHT.from, exportId: reversed, format: 'pdf', audience: 'handover' }));
      expect(r1.status).toBe(400);
      expect(await r1.json()).toEqual({ error: 'invalid_params', message: 'to: must be after from (the range is reversed)' });
      expect(events.find((e) => e.exportId === reversed)).toMatchObject({ phase: 'failed', error: { code: 'invalid_params' } });

      signIns.signInAs(PEOPLE.night);
      const clinician = randomUUID();
      const r2 = await fetch(http.base + query({ ...NIGHT, exportId: clinician, format: 'xlsx', audience: 'handover' }));
      expect(r2.status).toBe(403);
      expect(events.find((e) => e.exportId === clinician)).toMatchObject({ phase: 'failed', error: { code: 'forbidden' } });
      expect(readdirSync(path.join(dir, 'downloads'))).toEqual([]);
    } finally {
      await http.close();
    }
  });
});
