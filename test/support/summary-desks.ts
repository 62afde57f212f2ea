import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { DeskUser } from '../../shared/domain/people';
import { summaryRecordOf, type SummaryRecord } from '../../shared/lib/shift-summary';
import type { TeamContext } from '../../shared/lib/shift-team-context';
import type { ServerCallRecord } from '../../shared/sync/protocol';
import { generateCalls } from '../../scripts/synthetic/generate-calls';
import { makeTempDir, SignInsForTests } from '../../electron/core/calls/test-fixtures';
import { Core } from '../../electron/core/core';
import { PulledRecords } from '../../electron/core/sync/pulled-records';

/*
 * For tests of shift summaries on a desk without a server (the core's, the browser host's export
 * route): desk cores whose starter says who is signed in, and a team's pulled records (synthetic,
 * with a canary in every free-text field) with the team context the server would have sent.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../data/geo');
const NOW = new Date('2026-10-25T08:10:00.000Z');
const NIGHT = { teamId: 'team-a1', from: '2026-10-24T19:00:00.000Z', to: '2026-10-25T08:00:00.000Z' };
const CLINICIANS = ['clin-day', 'clin-night'];
const CANARY = 'QZXCANARY9';

export function summaryDesks() {
  const opened: { core: Core; remove: () => void }[] = [];

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
      id: c.id, lastClientId: randomUUID(), clinicianId: c.clinicianId, teamId: 'team-a1', status: c.status, revision: 1, content: c.content,
      contentHash: c.status === 'finalised' ? 'a'.repeat(64) : null, finalisedAt: c.status === 'finalised' ? (c.content.endedAt ?? c.content.startedAt) : null,
      discardedAt: c.status === 'discarded' ? c.content.startedAt : null, discardReason: c.discardReason,
      addenda: c.addenda.map((a) => ({ id: randomUUID(), text: a.text, createdAt: a.createdAt, contentHash: 'a'.repeat(64), callbackMadeAt: a.callbackMadeAt })),
      updatedAt: c.content.startedAt,
    }));
    new PulledRecords(core.desk.db).apply(server, 'c1', viewer.userId);
    core.desk.db.prepare('INSERT OR REPLACE INTO team_context (team_id, context, fetched_at, fetched_by) VALUES (?, ?, ?, ?)').run('team-a1', JSON.stringify(context(viewer)), NOW.toISOString(), viewer.userId);
    return server.map((r) => summaryRecordOf({ ...r, addenda: r.addenda.map((a) => ({ ...a, recordId: r.id, author: null })) }, r.clinicianId));
  }

  function closeDesks(): void {
    for (const o of opened.splice(0)) {
      o.core.close();
      o.remove();
    }
  }

  return { NIGHT, desk, pullTeam, closeDesks };
}
