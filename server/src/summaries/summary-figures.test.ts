import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callReference } from '../../../shared/lib/call-reference';
import { ShiftSummary } from '../../../shared/lib/shift-summary';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { pushCalls, seedDirectory, shiftCalls } from '../../../test/support/shift-seed';
import { SERVER_DATABASES } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { syncRoutes } from '../sync/sync-routes';
import { createSummaryRoutes } from './summary-routes';

/*
 * The figures of seeded synthetic shifts, checked against counts made directly in PostgreSQL with
 * SQL written here, independently of the summary's own code: several teams (and another trust) on
 * the night the clocks went back (20:00 BST 24 October to 08:00 GMT 25 October 2026, 13 hours, the
 * 01:00 hour twice), callbacks made in the record and by addendum, drafts left open and calls from
 * the day before still owing callbacks.
 */

const FROM = '2026-10-24T19:00:00.000Z';
const TO = '2026-10-25T08:00:00.000Z';
const NOW = '2026-10-25T08:10:00.000Z';

const [, open] = SERVER_DATABASES.find(([name]) => name === 'PostgreSQL')!;

describe('shift summary figures against PostgreSQL counts', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  let summary: ShiftSummary;

  beforeAll(async () => {
    ({ db, drop } = await open());
    server = await createTestServer(db, [syncRoutes, createSummaryRoutes({ now: () => new Date(NOW) })]);
    await seedDirectory(db, 'trust-a');
    await seedDirectory(db, 'trust-b');
    const a1 = [USERS.a1Clinician, USERS.a1Clinician2] as TestUser[];
    const calls = [
      ...shiftCalls(1, { clinicians: a1 }, FROM, TO, 180, NOW),
      // The day before: some of its callbacks are still owed and are handed over too.
      ...shiftCalls(2, { clinicians: a1 }, '2026-10-23T08:00:00.000Z', '2026-10-24T19:00:00.000Z', 60, NOW),
      // After the shift: counted nowhere.
      ...shiftCalls(3, { clinicians: a1 }, TO, '2026-10-25T08:09:00.000Z', 3, NOW),
    ];
    await pushCalls(server, a1, calls);
    await pushCalls(server, [USERS.a2Clinician], shiftCalls(4, { clinicians: [USERS.a2Clinician] }, FROM, TO, 70, NOW));
    await pushCalls(server, [USERS.b1Clinician], shiftCalls(5, { clinicians: [USERS.b1Clinician] }, FROM, TO, 50, NOW));
    const r = await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a1&from=${FROM}&to=${TO}`, headers: await server.auth(USERS.a1Lead) });
    expect(r.statusCode, r.body).toBe(200);
    summary = ShiftSummary.parse(r.json());
  }, 120_000);

  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  const IN_RANGE = `trust_id = 'trust-a' AND team_id = 'team-a1' AND started_at >= '${FROM}' AND started_at < '${TO}'`;
  const CONTACTS = `${IN_RANGE} AND status <> 'discarded'`;
  const count = async (where: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM call_record WHERE ${where}`))[0]!.n);
  const grouped = async (expr: string) =>
    Object.fromEntries((await db.query<{ k: string | null; n: string }>(`SELECT ${expr} AS k, count(*) AS n FROM call_record WHERE ${CONTACTS} GROUP BY 1`)).map((r) => [String(r.k), Number(r.n)]));
  const nonZero = <T extends Record<string, unknown>>(rows: T[], key: keyof T, n: keyof T) => Object.fromEntries(rows.filter((x) => (x[n] as number) > 0).map((x) => [String(x[key]), x[n]]));

  it('counts the contacts, by London clock hour across the repeated hour', async () => {
    expect(summary.contacts.total).toBe(await count(CONTACTS));
    expect(summary.contacts.total).toBeGreaterThan(100);
    const byHour = await db.query<{ hour: Date; n: string }>(`SELECT date_trunc('hour', started_at) AS hour, count(*) AS n FROM call_record WHERE ${CONTACTS} GROUP BY 1 ORDER BY 1`);
    expect(summary.contacts.byHour).toHaveLength(13);
    expect(Object.fromEntries(summary.contacts.byHour.filter((h) => h.contacts > 0).map((h) => [h.start, h.contacts]))).toEqual(Object.fromEntries(byHour.map((r) => [r.hour.toISOString(), Number(r.n)])));
    // PostgreSQL's own London wall clock for each hour: the repeated 01:00 appears twice.
    const labels = await db.query<{ label: string }>(
      `SELECT to_char(h AT TIME ZONE 'Europe/London', 'YYYY-MM-DD"T"HH24:MI') AS label FROM generate_series('${FROM}'::timestamptz, '${TO}'::timestamptz - interval '1 hour', interval '1 hour') AS h`,
    );
    expect(summary.contacts.byHour.map((h) => h.londonStart.slice(0, 16))).toEqual(labels.map((l) => l.label));
    expect(labels.filter((l) => l.label.endsWith('T01:00'))).toHaveLength(2);
  });

  it('counts routes, caller types and age bands as PostgreSQL does', async () => {
    expect(nonZero(summary.contacts.byContactRoute, 'route', 'contacts')).toEqual(await grouped("content->>'contactRoute'"));
    expect(nonZero(summary.contacts.byCallerType, 'callerType', 'contacts')).toEqual(await grouped("coalesce(content#>>'{caller,type}', 'null')"));
    const bands = await grouped(`CASE
        WHEN content#>>'{caller,dateOfBirth}' IS NOT NULL THEN
          CASE WHEN date_part('year', age((started_at AT TIME ZONE 'Europe/London')::date, (content#>>'{caller,dateOfBirth}')::date)) < 18 THEN 'under_18' ELSE '18_and_over' END
        WHEN content#>>'{caller,ageYears}' IS NOT NULL THEN CASE WHEN (content#>>'{caller,ageYears}')::int < 18 THEN 'under_18' ELSE '18_and_over' END
        ELSE 'not_recorded' END`);
    expect(nonZero(summary.contacts.byAgeBand, 'band', 'contacts')).toEqual(bands);
  });

  it('counts outcomes, referrals and escalations as PostgreSQL does', async () => {
    expect(nonZero(summary.outcomes, 'code', 'count')).toEqual(await grouped("coalesce(content#>>'{outcome,code}', 'null')"));
    const refs = await db.query<{ t: string; n: string }>(`SELECT r->>'serviceType' AS t, count(*) AS n FROM call_record, jsonb_array_elements(content->'referrals') r WHERE ${CONTACTS} GROUP BY 1`);
    expect(nonZero(summary.referrals.byServiceType, 'serviceType', 'count')).toEqual(Object.fromEntries(refs.map((r) => [r.t, Number(r.n)])));
    const named = await db.query<{ id: string; n: string }>(
      `SELECT r->>'serviceId' AS id, count(*) AS n FROM call_record, jsonb_array_elements(content->'referrals') r WHERE ${CONTACTS} AND r->>'serviceId' IN (SELECT id FROM directory_service WHERE trust_id = 'trust-a') GROUP BY 1`,
    );
    expect(Object.fromEntries(summary.referrals.byService.map((s) => [s.serviceId, s.count]))).toEqual(Object.fromEntries(named.map((r) => [r.id, Number(r.n)])));
    const has = (item: string) => count(`${CONTACTS} AND content#>'{interventions,items}' ? '${item}'`);
    expect(summary.escalations).toEqual({
      immediateDanger: await count(`${CONTACTS} AND (content#>>'{risk,immediateDanger}')::boolean`),
      emergencyInterventions: await count(`${CONTACTS} AND content#>'{interventions,items}' ?| array['emergency_services_called','police_contacted','ambulance_requested','welfare_check_requested']`),
      emergencyServicesCalled: await has('emergency_services_called'),
      policeContacted: await has('police_contacted'),
      ambulanceRequested: await has('ambulance_requested'),
      welfareChecksRequested: await has('welfare_check_requested'),
      safeguardingReferrals: await count(`${CONTACTS} AND (content#>>'{risk,safeguarding,referralMade}')::boolean`),
      safeguardingConcerns: {
        children: await count(`${CONTACTS} AND (content#>>'{risk,safeguarding,childrenConcern}')::boolean`),
        adults: await count(`${CONTACTS} AND (content#>>'{risk,safeguarding,adultConcern}')::boolean`),
      },
    });
    expect(summary.escalations.policeContacted + summary.escalations.ambulanceRequested).toBeGreaterThan(0);
  });

  it('gives the median and 90th centile handling time PostgreSQL gives', async () => {
    const [row] = await db.query<{ n: string; median: number; p90: number }>(
      `SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS median, percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90 FROM (
         SELECT extract(epoch FROM (content->>'endedAt')::timestamptz - (content->>'startedAt')::timestamptz) AS s FROM call_record
         WHERE ${CONTACTS} AND content->>'endedAt' IS NOT NULL) x WHERE s >= 0`,
    );
    expect(summary.handlingTime).toEqual({ measured: Number(row!.n), medianSeconds: Math.round(row!.median), p90Seconds: Math.round(row!.p90) });
  });

  it('counts callbacks made in the record and by addendum, and hands over exactly those still owed', async () => {
    const asked = `${CONTACTS} AND (content#>>'{callback,required}')::boolean`;
    const byAddendum = `EXISTS (SELECT 1 FROM call_addendum a WHERE a.record_id = call_record.id AND a.callback_made_at IS NOT NULL)`;
    const inRecord = `content#>>'{callback,completedAt}' IS NOT NULL`;
    const owed = `NOT (${inRecord}) AND NOT ${byAddendum}`;
    expect(summary.callbacks).toEqual({
      scheduled: await count(asked),
      made: await count(`${asked} AND (${inRecord} OR ${byAddendum})`),
      madeByAddendum: await count(`${asked} AND NOT (${inRecord}) AND ${byAddendum}`),
      outstanding: await count(`${asked} AND ${owed}`),
      overdue: await count(`${asked} AND ${owed} AND (content#>>'{callback,dueAt}')::timestamptz < '${NOW}'`),
    });
    expect(summary.callbacks.madeByAddendum).toBeGreaterThan(0);
    const handover = await db.query<{ id: string }>(
      `SELECT id FROM call_record WHERE trust_id = 'trust-a' AND team_id = 'team-a1' AND started_at < '${TO}' AND status <> 'discarded'
       AND (content#>>'{callback,required}')::boolean AND ${owed}`,
    );
    expect(summary.handover.map((h) => h.reference).sort()).toEqual(handover.map((r) => callReference(r.id)).sort());
    expect(summary.handover.some((h) => h.carriedOver)).toBe(true);
    const due = summary.handover.map((h) => h.dueAt ?? '');
    expect(due).toEqual([...due].sort());
  });

  it('counts records by status and the drafts left open at the end, by owner', async () => {
    expect(summary.records).toEqual({
      draft: await count(`${IN_RANGE} AND status = 'draft'`),
      finalised: await count(`${IN_RANGE} AND status = 'finalised'`),
      discarded: await count(`${IN_RANGE} AND status = 'discarded'`),
    });
    const drafts = await db.query<{ owner: string; n: string }>(
      `SELECT clinician_id AS owner, count(*) AS n FROM call_record WHERE trust_id = 'trust-a' AND team_id = 'team-a1' AND started_at < '${TO}'
       AND NOT (finalised_at IS NOT NULL AND finalised_at <= '${TO}') AND NOT (discarded_at IS NOT NULL AND discarded_at <= '${TO}') GROUP BY 1`,
    );
    expect(Object.fromEntries(summary.draftsAtEnd.byOwner.map((d) => [d.owner!.id, d.count]))).toEqual(Object.fromEntries(drafts.map((d) => [d.owner, Number(d.n)])));
  });

  it('gives another team and another trust only their own figures', async () => {
    const a2 = await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-a2&from=${FROM}&to=${TO}`, headers: await server.auth(USERS.aAdmin) });
    expect(a2.json().contacts.total).toBe(await count(`trust_id = 'trust-a' AND team_id = 'team-a2' AND started_at >= '${FROM}' AND started_at < '${TO}' AND status <> 'discarded'`));
    const b1 = await server.app.inject({ method: 'GET', url: `/v1/summaries/shift?teamId=team-b1&from=${FROM}&to=${TO}`, headers: await server.auth(USERS.b1Lead) });
    expect(b1.json().contacts.total).toBe(await count(`trust_id = 'trust-b' AND team_id = 'team-b1' AND started_at >= '${FROM}' AND started_at < '${TO}' AND status <> 'discarded'`));
  });
});
