import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { writeShiftExport } from '../../../export/shift-export';
import type { ExportProgressEvent, ShiftSummaryView, TeamContextView } from '../../../shared/contract';
import type { DeskUser } from '../../../shared/domain/people';
import { contactsOf } from '../../../shared/lib/shift-contacts';
import { summariseShift } from '../../../shared/lib/shift-summary';
import { PEOPLE } from '../calls/test-fixtures';
import { summaryDesks } from '../../../test/support/summary-desks';

/*
 * Shift summaries in the core, without a server: who may ask (the desk user's roles, at the
 * teamId field), and that the desk's reading of its pulled records (SQL columns, streamed, the CSV
 * in one pass) gives exactly what the pure summary and the files make from the whole records.
 */

const { NIGHT, desk, pullTeam, closeDesks } = summaryDesks();
const ADMIN: DeskUser = { userId: 'admin-a', displayName: 'Admin (synthetic)', trustId: 'trust-a', teamId: null, roles: ['admin'] };
const OTHER_LEAD: DeskUser = { userId: 'lead-a2', displayName: 'Other Lead (synthetic)', trustId: 'trust-a', teamId: 'team-a2', roles: ['clinician', 'team_lead'] };
const NOW = new Date('2026-10-25T08:10:00.000Z');
const CANARY = 'QZXCANARY9';
afterEach(closeDesks);

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

