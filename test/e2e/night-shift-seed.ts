import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { generateCalls, type SyntheticCall } from '../../scripts/synthetic/generate-calls';
import { addendumHashOf, contentHashOf } from '../../server/src/sync/hashes';
import { dateOfDayNumber, londonMomentOf } from '../../shared/lib/calendar';
import { DEFAULT_SHIFT_PRESETS, shiftOn, type ShiftRange } from '../../shared/lib/shift-presets';
import type { ServiceType } from '../../shared/domain/service-types';
import type { Mutation, MutationPayload } from '../../shared/sync/protocol';
import { startLoopbackReceiver, obtainTokens } from '../support/oidc-client';
import { DEMO_PASSWORD } from './provider-sign-in';
import type { DemoServer } from './demo-server';

/*
 * Last night's shift of a demo team, on the demo server: synthetic calls (scripts/synthetic) pushed
 * through POST /v1/sync/push by the night clinician's own desk, signed in through the server's
 * identity provider, as a desk would send them (finalised calls with their addenda, drafts,
 * discarded drafts). Referrals go to services of the published demo directory.
 */

/** The team's night shift that ended most recently before `now` (the default presets: 20:00–08:00). */
export function lastNight(now: Date): ShiftRange {
  const night = DEFAULT_SHIFT_PRESETS.find((p) => p.id === 'night')!;
  const today = londonMomentOf(now).day;
  for (let day = today; day >= today - 2; day--) {
    const s = shiftOn(night, dateOfDayNumber(day));
    if (s.to.getTime() <= now.getTime()) return s;
  }
  throw new Error('no night shift ended in the last two days');
}

function mutation(seq: number, recordId: string, payload: MutationPayload): Mutation {
  return { seq, mutationId: uuidv7(), recordId, baseRevision: null, deskTime: new Date().toISOString(), payload };
}

export async function seedNightShift(server: DemoServer, o: { clinician: string; trustId: string; shift: ShiftRange; count: number; seed: number }): Promise<SyntheticCall[]> {
  const services = await server.query<{ id: string; type: ServiceType }>(
    "SELECT id, doc->>'type' AS type FROM directory_service WHERE trust_id = $1 AND NOT deleted ORDER BY id LIMIT 6",
    [o.trustId],
  );
  if (services.length === 0) throw new Error(`The demo directory of ${o.trustId} has no services to refer to.`);
  // Callbacks judged at the end of the shift: some made, some still owed at handover.
  const calls = generateCalls({ seed: o.seed, from: o.shift.from, to: o.shift.to, count: o.count, clinicians: [o.clinician], services, now: o.shift.to });
  const receiver = await startLoopbackReceiver();
  try {
    const tokens = await obtainTokens(server.url, receiver, o.clinician, DEMO_PASSWORD);
    const clientId = randomUUID();
    let seq = 0;
    const mutations: Mutation[] = [];
    for (const c of calls) {
      if (c.status === 'finalised') {
        mutations.push(mutation(++seq, c.id, { kind: 'finalise', content: c.content, contentHash: contentHashOf(c.content), finalisedAt: c.content.endedAt ?? c.content.startedAt }));
        for (const a of c.addenda) {
          const addendumId = uuidv7();
          const createdAt = a.createdAt;
          const callbackMadeAt = a.callbackMadeAt;
          const contentHash = addendumHashOf({ id: addendumId, recordId: c.id, createdAt, text: a.text, callbackMadeAt });
          mutations.push(mutation(++seq, c.id, { kind: 'addendum', addendumId, text: a.text, createdAt, contentHash, ...(callbackMadeAt ? { callbackMadeAt } : {}) }));
        }
      } else {
        mutations.push(mutation(++seq, c.id, { kind: 'upsert', content: c.content }));
        if (c.status === 'discarded') mutations.push(mutation(++seq, c.id, { kind: 'discard', reason: c.discardReason ?? 'Opened by mistake.', discardedAt: c.content.endedAt ?? c.content.startedAt }));
      }
    }
    const res = await fetch(`${server.url}/v1/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId, mutations, pending: 0 }),
    });
    const body = (await res.json()) as { results?: { status: string; reason: string | null }[] };
    if (res.status !== 200) throw new Error(`The push was refused (${res.status}): ${JSON.stringify(body)}`);
    const refused = (body.results ?? []).filter((r) => r.status !== 'applied');
    if (refused.length > 0) throw new Error(`The server did not apply ${refused.length} synthetic changes: ${JSON.stringify(refused.slice(0, 3))}`);
    return calls;
  } finally {
    await receiver.close();
  }
}
