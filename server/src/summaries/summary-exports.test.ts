import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTACT_COLUMNS } from '../../../shared/lib/shift-contacts';
import { shiftOn } from '../../../shared/lib/shift-presets';
import { ShiftSummary } from '../../../shared/lib/shift-summary';
import { TeamContext } from '../../../shared/lib/shift-team-context';
import type { SyntheticCall } from '../../../scripts/synthetic/generate-calls';
import { SYNTHETIC_NHS_NUMBER } from '../../../scripts/synthetic/generate-calls';
import { libreOfficeSheets, pdfInfo, pdfStructure, pdfText, xlsxEntries } from '../../../test/support/file-readers';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { pushCalls, seedDirectory, shiftCalls } from '../../../test/support/shift-seed';
import { SERVER_DATABASES } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { syncRoutes } from '../sync/sync-routes';
import { createSummaryRoutes } from './summary-routes';

/*
 * GET /v1/summaries/shift as files: every format for both audiences, read back by independent
 * readers (LibreOffice Calc, poppler). A canary string typed into every free-text field of every
 * record must never appear in any of them; nor may NHS numbers, dates of birth or phone numbers.
 */

const FROM = '2026-10-24T19:00:00.000Z';
const TO = '2026-10-25T08:00:00.000Z';
const NOW = '2026-10-25T08:10:30.000Z';
const CANARY = 'QZXCANARY7';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const [, open] = SERVER_DATABASES.find(([name]) => name === 'PostgreSQL')!;

describe('shift summary files from the API', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  let calls: SyntheticCall[];
  let summary: ShiftSummary;

  beforeAll(async () => {
    ({ db, drop } = await open());
    server = await createTestServer(db, [syncRoutes, createSummaryRoutes({ now: () => new Date(NOW), appVersion: '9.8.7-test' })]);
    await seedDirectory(db, 'trust-a');
    const a1 = [USERS.a1Clinician, USERS.a1Clinician2] as TestUser[];
    calls = [...shiftCalls(11, { clinicians: a1 }, FROM, TO, 120, NOW, CANARY), ...shiftCalls(12, { clinicians: a1 }, '2026-10-24T08:00:00.000Z', FROM, 20, NOW, CANARY)];
    // The second clinician's desk still has two changes waiting: the files must say so.
    await pushCalls(server, [USERS.a1Clinician], calls);
    await pushCalls(server, [USERS.a1Clinician2], calls, 2);
    summary = ShiftSummary.parse((await get(USERS.a1Lead, '')).json());
  }, 120_000);

  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  async function get(user: TestUser, extra: string, headers: Record<string, string> = {}, range = `from=${FROM}&to=${TO}`) {
    return server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a1&${range}${extra}`, headers: { ...(await server.auth(user)), ...headers } });
  }
  const file = async (format: string, audience: string) => {
    const r = await get(USERS.a1Lead, `&format=${format}&audience=${audience}`);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    return r;
  };

  /** Strings typed about callers that no aggregate may carry. */
  const forbidden = () => [CANARY, SYNTHETIC_NHS_NUMBER, SYNTHETIC_NHS_NUMBER.replace(/ /g, ''), '07700 900', ...new Set(calls.flatMap((c) => (c.content.caller.dateOfBirth ? [c.content.caller.dateOfBirth] : [])))];

  it('never carries typed text, NHS numbers, phone numbers or dates of birth, in any format for either audience', async () => {
    expect(calls.some((c) => c.content.caller.dateOfBirth)).toBe(true);
    for (const audience of ['handover', 'reporting']) {
      const texts = [
        (await file('csv', audience)).body,
        Object.values(xlsxEntries((await file('xlsx', audience)).rawPayload)).join('\n'),
        pdfText((await file('pdf', audience)).rawPayload),
        pdfStructure((await file('pdf', audience)).rawPayload),
        (await file('pdf', audience)).rawPayload.toString('latin1'),
      ];
      for (const text of texts) for (const bad of forbidden()) expect(text.includes(bad), `${audience}: ${bad}`).toBe(false);
    }
  });

  it('answers each media type with its file, by format parameter or Accept header, and says how many desks are behind', async () => {
    const csv = await file('csv', 'handover');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="shift-summary_team-a1_2026-10-24T2000_handover.csv"');
    expect(csv.headers['x-crisis-desk-desks-behind']).toBe('1');
    expect((await get(USERS.a1Lead, '&audience=handover', { accept: 'application/pdf' })).headers['content-type']).toBe('application/pdf');
    expect((await get(USERS.a1Lead, '&audience=reporting', { accept: `text/html, ${XLSX};q=0.9, */*;q=0.1` })).headers['content-type']).toBe(XLSX);
    expect((await get(USERS.a1Lead, '&audience=handover', { accept: 'text/csv;q=0.5, application/json' })).headers['content-type']).toContain('application/json');
    expect((await get(USERS.a1Lead, '', { accept: '*/*' })).headers['content-type']).toContain('application/json');
    const pdf = await file('pdf', 'handover');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('makes the same bytes for the same data and minute', async () => {
    for (const format of ['csv', 'xlsx', 'pdf']) {
      const [a, b] = [await file(format, 'handover'), await file(format, 'handover')];
      expect(Buffer.compare(a.rawPayload, b.rawPayload), format).toBe(0);
    }
  });

  it('writes the CSV in the documented column order: BOM, one row per contact, references only for handover, times to the hour for reporting', async () => {
    const handover = (await file('csv', 'handover')).rawPayload;
    expect([...handover.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(handover.subarray(3).toString('utf8')) as string[][];
    expect(rows[0]).toEqual(['audience', 'desks_behind', ...CONTACT_COLUMNS.map((c) => c.key)]);
    expect(rows).toHaveLength(summary.contacts.total + 1);
    const col = (name: string) => rows[0]!.indexOf(name);
    expect(rows.slice(1).every((r) => r[col('audience')] === 'handover' && r[col('desks_behind')] === '1' && /^[0-9A-F]{4}-[0-9A-F]{4}$/.test(r[col('call_reference')]!))).toBe(true);
    // The repeated hour: two contacts at 01:xx London time are told apart by their offset.
    const starts = rows.slice(1).map((r) => r[col('care_contact_start')]!);
    expect(starts.some((s) => /T01:..:..\+01:00$/.test(s)) && starts.some((s) => /T01:..:..\+00:00$/.test(s))).toBe(true);
    expect(rows.slice(1).filter((r) => r[col('callback_made_by_addendum')] === 'Y').length).toBe(summary.callbacks.madeByAddendum);
    const reporting = parse((await file('csv', 'reporting')).rawPayload.subarray(3).toString('utf8')) as string[][];
    expect(reporting[0]).not.toContain('call_reference');
    expect(reporting).toHaveLength(rows.length);
    const rs = reporting[0]!.indexOf('care_contact_start');
    expect(reporting.slice(1).every((r) => /T\d\d:00:00[+-]\d\d:\d\d$/.test(r[rs]!))).toBe(true);
  });

  it('applies the small-number rule to every count of a file for reporting, and leaves out call references', async () => {
    const refs = summary.handover.map((h) => h.reference);
    expect(refs.length).toBeGreaterThan(0);
    const sheets = libreOfficeSheets((await file('xlsx', 'reporting')).rawPayload);
    const summarySheet = sheets.Summary!;
    const start = summarySheet.findIndex((r) => r[0] === 'Contacts' && r[1] === 'Count');
    const counts = summarySheet.slice(start).filter((r) => r[1] !== undefined && r[1] !== '' && r[1] !== 'Count' && r[1] !== 'Contacts' && r[0] !== 'Median' && r[0] !== '90th centile').map((r) => r[1]!);
    expect(counts.length).toBeGreaterThan(30);
    for (const c of counts) expect(c === '*' || (/^\d+$/.test(c) && Number(c) % 5 === 0), `count ${c}`).toBe(true);
    expect(counts).toContain('*');
    const pdf = pdfText((await file('pdf', 'reporting')).rawPayload);
    const xlsx = Object.values(xlsxEntries((await file('xlsx', 'reporting')).rawPayload)).join('\n');
    for (const ref of refs) {
      expect(pdf).not.toContain(ref);
      expect(xlsx).not.toContain(ref);
    }
    expect(pdf).toContain('For reporting outside the team');
  });

  it('is read by LibreOffice with the same numbers: the Contacts sheet matches the CSV, the Summary sheet the JSON', async () => {
    const sheets = libreOfficeSheets((await file('xlsx', 'handover')).rawPayload);
    expect(Object.keys(sheets).sort()).toEqual(['Contacts', 'Handover', 'Referrals', 'Summary']);
    const csv = parse((await file('csv', 'handover')).rawPayload.subarray(3).toString('utf8')) as string[][];
    const contacts = sheets.Contacts!;
    expect(contacts).toHaveLength(csv.length);
    const numeric = CONTACT_COLUMNS.map((c, i) => [c, i] as const).filter(([c]) => c.kind === 'integer' || c.kind === 'code' || c.kind === 'flag' || c.kind === 'text' || c.kind === 'date');
    for (let row = 1; row < csv.length; row++) {
      for (const [c, i] of numeric) expect(contacts[row]![i], `${c.key} row ${row}`).toBe(csv[row]![i + 2]);
      // A date cell LibreOffice shows as London wall-clock time: the CSV's time without its offset.
      expect(contacts[row]![3]).toBe(csv[row]![5]!.slice(0, 19).replace('T', ' '));
      expect(contacts[row]![2]).toBe(csv[row]![4]);
    }
    const find = (label: string) => sheets.Summary!.find((r) => r[0] === label)?.[1];
    expect(find('Calls in the shift (not counting discarded drafts)')).toBe(String(summary.contacts.total));
    expect(find('Callbacks still owed by the team (handover list)')).toBe(String(summary.handover.length));
    expect(find('Made (recorded by addendum)')).toBe(String(summary.callbacks.madeByAddendum));
    expect(find('Police contacted')).toBe(String(summary.escalations.policeContacted));
    const handover = sheets.Handover!.filter((r) => r[0] === 'Callback to make');
    expect(handover.map((r) => r[1])).toEqual(summary.handover.map((h) => h.reference));
  }, 60_000);

  it('makes a tagged PDF whose text extracts in reading order, marked on every page and numbered', async () => {
    const pdf = (await file('pdf', 'handover')).rawPayload;
    const info = pdfInfo(pdf);
    expect(info).toMatchObject({ Tagged: 'yes', Title: 'Shift handover: team-a1', Author: 'a1-lead', 'PDF version': '1.7', Creator: 'Crisis Desk 9.8.7-test' });
    const pages = Number(info.Pages);
    expect(pages).toBeGreaterThanOrEqual(2);
    const structure = pdfStructure(pdf);
    for (const tag of ['Document', 'H1', 'H2', 'Table', 'TH', 'TD', 'Figure', 'P']) expect(structure).toContain(tag);
    const text = pdfText(pdf);
    expect(text.match(/OFFICIAL-SENSITIVE/g)!.length).toBeGreaterThanOrEqual(2 * pages);
    for (let p = 1; p <= pages; p++) expect(text).toContain(`Page ${p} of ${pages}`);
    const order = ['Shift handover: team-a1', 'For handover within the team', 'Sat 24 Oct 2026 20:00 BST to Sun 25 Oct 2026 08:00 GMT (13 h)', 'Sun 25 Oct 2026 08:10 GMT by a1-lead', '9.8.7-test', 'Incomplete: 1 desk', 'At a glance', 'Callbacks to hand over', 'Left open at the end of the shift', 'Contacts by hour', 'Figures'];
    const at = order.map((s) => text.indexOf(s));
    expect(at.every((i) => i >= 0), order.filter((_, i) => at[i]! < 0).join(', ')).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    // The handover list in its order, each reference with its owner after it.
    const refs = summary.handover.map((h) => text.indexOf(h.reference));
    expect(refs.every((i) => i > text.indexOf('Callbacks to hand over'))).toBe(true);
    expect(refs).toEqual([...refs].sort((a, b) => a - b));
  });

  it('refuses bad input with a clear error naming the field', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['empty range', `from=${FROM}&to=${FROM}`, 400, /^to: .*empty/],
      ['reversed range', `from=${TO}&to=${FROM}`, 400, /^to: .*reversed/],
      ['longer than 31 days', 'from=2026-09-01T00:00:00Z&to=2026-10-02T00:00:01Z', 400, /^to: .*31 days/],
      ['not a time', 'from=yesterday&to=today', 400, /^from: /],
    ];
    for (const [name, range, status, message] of cases) {
      const r = await get(USERS.a1Lead, '&format=pdf&audience=handover', {}, range);
      expect([r.statusCode, r.json().message], name).toEqual([status, expect.stringMatching(message)]);
    }
    const noAudience = await get(USERS.a1Lead, '&format=csv');
    expect([noAudience.statusCode, noAudience.json().message]).toEqual([400, expect.stringMatching(/^audience: /)]);
    const badAudience = await get(USERS.a1Lead, '&format=csv&audience=everyone');
    expect([badAudience.statusCode, badAudience.json().message]).toEqual([400, expect.stringMatching(/^audience: /)]);
    const otherTeam = await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a2&from=${FROM}&to=${TO}&format=csv&audience=handover`, headers: await server.auth(USERS.a1Lead) });
    expect([otherTeam.statusCode, otherTeam.json().message]).toEqual([403, expect.stringMatching(/^teamId: /)]);
  });

  it('gives a lead’s desk its team’s context, and only to the team’s lead or the trust’s admins', async () => {
    const ctx = async (user: TestUser, teamId = 'team-a1') => server.app.inject({ method: 'GET', url: `/v1/summaries/team-context?teamId=${teamId}`, headers: await server.auth(user) });
    const r = await ctx(USERS.a1Lead);
    expect(r.statusCode, r.body).toBe(200);
    const c = TeamContext.parse(r.json());
    // The test's teams were made after migration 7, so they have the defaults until an admin sets their shifts.
    expect(c, r.body).toMatchObject({ teamId: 'team-a1', teamName: 'team-a1', presetsConfigured: false, directoryProblems: [] });
    expect(c.presets.map((p) => [p.id, p.start, p.end])).toEqual([['day', '08:00', '20:00'], ['night', '20:00', '08:00']]);
    expect(c.people.map((p) => p.id)).toEqual(expect.arrayContaining(['a1-clin', 'a1-clin2', 'a1-lead']));
    expect(c.desks.filter((d) => d.pending > 0)).toHaveLength(1);
    expect(c.recordsAsOf).not.toBeNull();
    for (const text of [r.body]) for (const bad of forbidden()) expect(text).not.toContain(bad);
    expect((await ctx(USERS.aAdmin)).statusCode).toBe(200);
    expect((await ctx(USERS.a1Lead, 'team-a2')).statusCode).toBe(403);
    expect((await ctx(USERS.a1Clinician)).statusCode).toBe(403);
    expect((await ctx(USERS.bAdmin)).statusCode).toBe(404);
    expect((await ctx(USERS.b1Lead)).statusCode).toBe(403);
  });

  it('lets only an admin of the trust set a team’s shifts, checks them, and the night follows the clocks', async () => {
    const put = async (user: TestUser, body: unknown, teamId = 'team-a1') =>
      server.app.inject({ method: 'PUT', url: `/v1/admin/teams/${teamId}/shift-presets`, payload: body as object, headers: await server.auth(user) });
    const presets = [{ id: 'early', label: 'Early', start: '07:00', end: '15:00' }, { id: 'late', label: 'Late', start: '15:00', end: '23:00' }, { id: 'night', label: 'Night', start: '23:00', end: '07:00' }];
    expect((await put(USERS.a1Lead, { presets })).statusCode).toBe(403);
    expect((await put(USERS.a1Clinician, { presets })).statusCode).toBe(403);
    expect((await put(USERS.bAdmin, { presets })).statusCode).toBe(404);
    const bad = await put(USERS.aAdmin, { presets: [{ id: 'night', label: 'Night', start: '25:00', end: '07:00' }] });
    expect([bad.statusCode, bad.json().message]).toEqual([400, expect.stringMatching(/^presets\.0\.start: /)]);
    const dup = await put(USERS.aAdmin, { presets: [presets[0], presets[0]] });
    expect([dup.statusCode, dup.json().message]).toEqual([400, expect.stringMatching(/^presets: /)]);
    const ok = await put(USERS.aAdmin, { presets });
    expect(ok.statusCode, ok.body).toBe(200);
    const c = TeamContext.parse((await server.app.inject({ method: 'GET', url: '/v1/summaries/team-context?teamId=team-a1', headers: await server.auth(USERS.a1Lead) })).json());
    expect(c.presets).toEqual(presets);
    const night = shiftOn(c.presets[2]!, '2026-10-24');
    expect([night.from.toISOString(), night.to.toISOString()]).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T07:00:00.000Z']);
    // A team created later has the defaults until an admin sets its shifts.
    await db.query("INSERT INTO team (id, trust_id, name) VALUES ('team-a3', 'trust-a', 'A3')");
    const fresh = TeamContext.parse((await server.app.inject({ method: 'GET', url: '/v1/summaries/team-context?teamId=team-a3', headers: await server.auth(USERS.aAdmin) })).json());
    expect([fresh.presetsConfigured, fresh.presets.map((p) => p.id)]).toEqual([false, ['day', 'night']]);
  });
});
