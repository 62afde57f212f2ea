/*
 * Synthetic shifts on a real server: calls from scripts/synthetic/generate-calls pushed by each
 * clinician's desk through POST /v1/sync/push (finalised, drafts, discarded, addenda that record
 * callbacks as made), as the desks themselves would, plus directory services to refer to.
 */
import { expect } from 'vitest';
import type { ServiceType } from '../../shared/domain/service-types';
import type { Mutation } from '../../shared/sync/protocol';
import { generateCalls, type SyntheticCall } from '../../scripts/synthetic/generate-calls';
import type { Db } from '../../server/src/db/db';
import type { TestServer, TestUser } from './server-fixtures';
import { push, ScriptedDesk } from './sync-fixtures';

export const SEED_SERVICES: { id: string; name: string; type: ServiceType }[] = [
  { id: 'svc-cafe', name: 'Riverside Crisis Café', type: 'crisis_cafe' },
  { id: 'svc-crht', name: 'North CRHT', type: 'crisis_resolution_home_treatment' },
  { id: 'svc-haven', name: 'Harbour Safe Haven', type: 'safe_haven' },
  { id: 'svc-cyp', name: 'Young People’s Crisis Line', type: 'cyp_crisis' },
];

export async function seedDirectory(db: Db, trustId: string): Promise<void> {
  for (const s of SEED_SERVICES) {
    await db.query("INSERT INTO directory_service (trust_id, id, version, doc, source) VALUES ($1, $2, 1, $3, 'test') ON CONFLICT DO NOTHING", [trustId, s.id, JSON.stringify(s)]);
  }
}

/** The mutations a clinician's desk sends for these calls, in the order a desk would. */
export function mutationsFor(desk: ScriptedDesk, calls: readonly SyntheticCall[]): Mutation[] {
  const out: Mutation[] = [];
  for (const c of calls) {
    if (c.status === 'finalised') {
      out.push(desk.finalise(c.id, c.content));
      for (const a of c.addenda) out.push(desk.addendum(c.id, a.text, undefined, a.callbackMadeAt));
    } else {
      out.push(desk.upsert(c.id, c.content));
      if (c.status === 'discarded') out.push(desk.discard(c.id, c.discardReason ?? 'Opened by mistake.'));
    }
  }
  return out;
}

/** Pushes each clinician's calls from their own desk, in batches; every change must apply. */
export async function pushCalls(server: TestServer, users: readonly TestUser[], calls: readonly SyntheticCall[], pendingAfter = 0): Promise<Map<string, ScriptedDesk>> {
  const desks = new Map<string, ScriptedDesk>();
  for (const user of users) {
    const desk = new ScriptedDesk();
    desks.set(user.userId, desk);
    const mine = mutationsFor(desk, calls.filter((c) => c.clinicianId === user.userId));
    for (let i = 0; i < mine.length; i += 400) {
      const batch = mine.slice(i, i + 400);
      const last = i + 400 >= mine.length;
      const r = await push(server, user, desk.request(batch, last ? pendingAfter : mine.length - i - batch.length));
      expect(r.statusCode, r.body).toBe(200);
      const refused = (r.json() as { results: { status: string; reason: string | null }[] }).results.filter((x) => x.status !== 'applied');
      expect(refused, 'every synthetic change applies').toEqual([]);
    }
  }
  return desks;
}

export interface SeededShift {
  calls: SyntheticCall[];
}

/** Calls for one team in a range, with a canary in every free-text field when given. */
export function shiftCalls(seed: number, team: { clinicians: readonly TestUser[] }, from: string, to: string, count: number, now: string, canary?: string): SyntheticCall[] {
  return generateCalls({ seed, from: new Date(from), to: new Date(to), count, clinicians: team.clinicians.map((u) => u.userId), services: SEED_SERVICES, canary, now: new Date(now) });
}
