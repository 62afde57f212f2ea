import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecordContent } from '../../../shared/domain/call-record';
import { fillWithSecrets, identifiableStrings } from '../../../shared/lib/identifiable-test-record';
import { ShiftSummary } from '../../../shared/lib/shift-summary';
import type { Mutation } from '../../../shared/sync/protocol';
import { createTestServer, USERS, type TestServer, type TestUser } from '../../../test/support/server-fixtures';
import { completeContent, newRecordId, push, ScriptedDesk, SERVER_DATABASES } from '../../../test/support/sync-fixtures';
import type { Db } from '../db/db';
import { syncRoutes } from '../sync/sync-routes';
import { createSummaryRoutes } from './summary-routes';

// The night the clocks went forward: 20:00 GMT on 28 March 2026 to 08:00 BST on the 29th.
const FROM = '2026-03-28T20:00:00.000Z';
const TO = '2026-03-29T07:00:00.000Z';
const NOW = new Date('2026-03-29T06:00:00.000Z');

const at = (startedAt: string, minutes: number | null, edit: (c: CallRecordContent) => void = () => {}): CallRecordContent => {
  const c = completeContent(startedAt);
  c.endedAt = minutes === null ? null : new Date(Date.parse(startedAt) + minutes * 60_000).toISOString();
  edit(c);
  return c;
};

describe.each(SERVER_DATABASES)('shift summaries on %s', (_name, open) => {
  let db: Db;
  let drop: () => Promise<void>;
  let server: TestServer;
  beforeAll(async () => {
    ({ db, drop } = await open());
    server = await createTestServer(db, [syncRoutes, createSummaryRoutes({ now: () => NOW })]);
    const service = (trust: string, id: string, name: string, type: string) =>
      db.query("INSERT INTO directory_service (trust_id, id, version, doc, source) VALUES ($1, $2, 1, $3, 'test')", [trust, id, JSON.stringify({ id, name, type })]);
    await service('trust-a', 'svc-cafe', 'Riverside Crisis Café', 'crisis_cafe');
    await service('trust-b', 'svc-cafe', 'Another Trust’s Café', 'crisis_cafe');
    await service('trust-a', 'svc-crht', 'North CRHT', 'crisis_resolution_home_treatment');
  });
  afterAll(async () => {
    await server.close();
    await db.close();
    await drop();
  });

  async function pushAs(user: TestUser, build: (desk: ScriptedDesk) => Mutation[], pending = 0) {
    const desk = new ScriptedDesk();
    const r = await push(server, user, desk.request(build(desk), pending));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().results.every((x: { status: string }) => x.status === 'applied'), r.body).toBe(true);
    return desk;
  }

  async function summary(user: TestUser | null, query: string) {
    return server.app.inject({ method: 'GET', url: `/v1/summaries/shift?${query}`, headers: user ? await server.auth(user) : {} });
  }
  const range = (teamId: string, from = FROM, to = TO) => `teamId=${teamId}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

  describe('with a hand-built night', () => {
    let a1Desk: ScriptedDesk;
    beforeAll(async () => {
      const r1 = newRecordId();
      const r2 = newRecordId();
      const r2content = at('2026-03-29T00:40:00.000Z', 5, (c) => {
        c.outcome.code = '03';
        c.referrals = [{ id: 'x', serviceId: 'svc-cafe', serviceName: 'typed', serviceType: 'crisis_cafe', serviceAgeMin: null, serviceAgeMax: null, method: 'signposted', at: c.startedAt, notes: '' }];
      });
      a1Desk = await pushAs(USERS.a1Clinician, (d) => {
        const r3 = newRecordId();
        const r4 = newRecordId();
        return [
          d.finalise(r1, at('2026-03-28T20:15:00.000Z', 20)),
          d.upsert(r3, at('2026-03-29T01:10:00.000Z', null, (c) => {
            c.outcome.code = null;
            c.callback = { required: true, dueAt: '2026-03-29T05:00:00.000Z', phone: '', reason: '', completedAt: null };
          })),
          d.upsert(r4, at('2026-03-29T01:50:00.000Z', 1)),
          d.discard(r4, 'Opened by mistake.'),
          d.upsert(newRecordId(), at('2026-03-28T19:59:00.000Z', 5)), // before the range
        ];
      }, 3);
      await pushAs(USERS.a1Clinician2, (d) => [d.finalise(r2, r2content)], 0);
      await pushAs(USERS.a2Clinician, (d) => [d.upsert(newRecordId(), at('2026-03-29T01:00:00.000Z', 5))], 5);
      await pushAs(USERS.b1Clinician, (d) => [d.upsert(newRecordId(), at('2026-03-29T01:00:00.000Z', 5))], 5);
    });

    it('gives the exact figures of the team’s night, in London hours across the clock change', async () => {
      const r = await summary(USERS.a1Lead, range('team-a1'));
      expect(r.statusCode, r.body).toBe(200);
      const s = ShiftSummary.parse(r.json());
      expect(s).toMatchObject({ teamId: 'team-a1', from: FROM, to: TO, generatedAt: NOW.toISOString(), timeZone: 'Europe/London' });
      expect(s.contacts.total).toBe(3);
      expect(s.contacts.byHour.map((h) => [h.londonStart.slice(11), h.contacts])).toEqual([
        ['20:00+00:00', 1], ['21:00+00:00', 0], ['22:00+00:00', 0], ['23:00+00:00', 0], ['00:00+00:00', 1],
        ['02:00+01:00', 1], ['03:00+01:00', 0], ['04:00+01:00', 0], ['05:00+01:00', 0], ['06:00+01:00', 0], ['07:00+01:00', 0],
      ]);
      expect(s.handlingTime).toEqual({ measured: 2, medianSeconds: 750, p90Seconds: 1110 });
      expect(s.outcomes.filter((o) => o.count > 0).map((o) => [o.code, o.count])).toEqual([['02', 1], ['03', 1], [null, 1]]);
      expect(s.referrals).toMatchObject({ total: 1, notInDirectory: 0, byService: [{ serviceId: 'svc-cafe', serviceName: 'Riverside Crisis Café', serviceType: 'crisis_cafe', count: 1 }] });
      expect(s.callbacks).toEqual({ scheduled: 1, made: 0, madeByAddendum: 0, outstanding: 1, overdue: 1 });
      expect(s.handover).toEqual([expect.objectContaining({ dueAt: '2026-03-29T05:00:00.000Z', overdue: true, carriedOver: false, owner: { id: 'a1-clin', name: 'a1-clin' } })]);
      expect(s.records).toEqual({ draft: 1, finalised: 2, discarded: 1 });
      expect(s.unsyncedDesks).toEqual([{ clientId: a1Desk.clientId, user: { id: 'a1-clin', name: 'a1-clin' }, lastSeenAt: expect.any(String), pending: 3 }]);
    });

    it('gives an admin any team of their trust, and nobody another trust’s or another team’s', async () => {
      expect((await summary(USERS.aAdmin, range('team-a1'))).json().contacts.total).toBe(3);
      expect((await summary(USERS.aAdmin, range('team-a2'))).json().contacts.total).toBe(1);
      expect((await summary(USERS.b1Lead, range('team-b1'))).json().contacts.total).toBe(1);
      expect((await summary(USERS.a1Lead, range('team-a2'))).statusCode).toBe(403);
      expect((await summary(USERS.b1Lead, range('team-a1'))).statusCode).toBe(403);
      expect((await summary(USERS.bAdmin, range('team-a1'))).statusCode).toBe(404);
      expect((await summary(USERS.aAdmin, range('team-b1'))).statusCode).toBe(404);
      expect((await summary(USERS.aAdmin, range('no-such-team'))).statusCode).toBe(404);
      expect((await summary(USERS.a1Clinician, range('team-a1'))).statusCode).toBe(403);
      expect((await summary(null, range('team-a1'))).statusCode).toBe(401);
    });
  });

  it('lists the teams each caller may summarise: a lead their own, an admin their trust’s', async () => {
    const teams = async (user: TestUser | null) => server.app.inject({ method: 'GET', url: '/v1/summaries/teams', headers: user ? await server.auth(user) : {} });
    expect((await teams(USERS.a1Lead)).json()).toEqual({ teams: [{ id: 'team-a1', name: expect.any(String) }] });
    expect((await teams(USERS.aAdmin)).json().teams.map((t: { id: string }) => t.id).sort()).toEqual(['team-a1', 'team-a2']);
    expect((await teams(USERS.bAdmin)).json().teams.map((t: { id: string }) => t.id)).toEqual(['team-b1']);
    expect((await teams(USERS.a1Clinician)).statusCode).toBe(403);
    expect((await teams(null)).statusCode).toBe(401);
  });

  it('counts a callback as done when an addendum recorded it as made after the record was finalised', async () => {
    const day = (h: number) => `2026-04-10T${String(h).padStart(2, '0')}:00:00.000Z`;
    const withCallback = (startedAt: string) =>
      at(startedAt, 10, (c) => (c.callback = { required: true, dueAt: day(18), phone: '07700 900123', reason: 'Synthetic.', completedAt: null }));
    const [made, owed] = [newRecordId(), newRecordId()];
    await pushAs(USERS.b1Clinician, (d) => [
      d.finalise(made, withCallback(day(9))),
      d.finalise(owed, withCallback(day(10))),
      d.addendum(made, 'Synthetic: called back, safe.', undefined, day(17)),
      d.addendum(owed, 'Synthetic: a note that is not the callback.'),
    ]);
    const r = await summary(USERS.b1Lead, range('team-b1', day(0), day(23)));
    expect(r.statusCode, r.body).toBe(200);
    expect(ShiftSummary.parse(r.json()).callbacks).toEqual({ scheduled: 2, made: 1, madeByAddendum: 1, outstanding: 1, overdue: 0 });
  });

  it('refuses a malformed range with 400', async () => {
    for (const q of [
      range('team-a1', TO, FROM),
      range('team-a1', '2026-01-01T00:00:00Z', '2026-02-02T00:00:00Z'),
      `from=${FROM}&to=${TO}`,
      range('team-a1', 'yesterday', TO),
      range('team%00a1'),
    ]) {
      const r = await summary(USERS.a1Lead, q);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error).toBe('invalid_params');
    }
  });

  it('carries nothing typed about a caller, even from records full of it, their addenda and discard reasons', async () => {
    const secrets = identifiableStrings();
    const full = completeContent('2026-04-10T21:00:00.000Z');
    fillWithSecrets(full, secrets);
    full.outcome.code = '05';
    full.callback = { ...full.callback, required: true, dueAt: '2026-04-11T09:00:00.000Z' };
    const [finalised, discarded] = [newRecordId(), newRecordId()];
    await pushAs(USERS.a1Clinician2, (d) => [
      d.finalise(finalised, full),
      d.addendum(finalised, secrets.addendum),
      d.upsert(discarded, full),
      d.discard(discarded, secrets.discardReason),
    ]);
    const r = await summary(USERS.a1Lead, range('team-a1', '2026-04-10T20:00:00.000Z', '2026-04-11T08:00:00.000Z'));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().contacts.total).toBe(1);
    for (const secret of secrets.all) expect(r.body).not.toContain(secret);
    expect(r.body).not.toContain('9434765919');
    expect(r.json().referrals).toMatchObject({ total: 3, notInDirectory: 2, byService: [{ serviceName: 'North CRHT' }] });
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = doc.paths['/v1/summaries/shift'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['audience', 'format', 'from', 'teamId', 'to']);
    expect(op.responses['200'].content['application/json'].schema.properties).toHaveProperty('unsyncedDesks');
  });
});
