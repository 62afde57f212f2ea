/*
 * For the call-record sync tests: a scripted desk that makes protocol mutations (numbered like a
 * real desk's outbox), content complete enough to finalise, and a push helper over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { emptyCallRecordContent, type CallRecordContent } from '../../shared/domain/call-record';
import type { Mutation, MutationPayload, PushRequest } from '../../shared/sync/protocol';
import { connectPostgres, openPglite, type Db } from '../../server/src/db/db';
import { migrate } from '../../server/src/db/migrations';
import { addendumHashOf, contentHashOf } from '../../server/src/sync/hashes';
import { seedTestUsers, type TestServer, type TestUser } from './server-fixtures';
import { createTestDatabase } from './test-database';

/** A record that satisfies finaliseIssues: anonymous self-referral, no risk, advice only. */
export function completeContent(startedAt = '2026-05-11T20:00:00.000Z', summary = 'Synthetic test call: low mood, wanted to talk.'): CallRecordContent {
  const content = emptyCallRecordContent(startedAt);
  content.caller = { ...content.caller, type: 'self', anonymous: true };
  content.presentingNeed = { categories: ['low_mood'], summary };
  for (const area of ['toSelf', 'toOthers', 'fromOthers', 'safeguarding'] as const) content.risk[area].status = 'none_identified';
  content.risk.formulation = 'Synthetic test: no current risk identified.';
  content.outcome = { code: '02', notes: '' };
  content.consent = { informationSharing: 'given', notes: '' };
  content.endedAt = new Date(Date.parse(startedAt) + 10 * 60_000).toISOString();
  return content;
}

export const withSummary = (c: CallRecordContent, summary: string): CallRecordContent => ({ ...c, presentingNeed: { ...c.presentingNeed, summary } });

/** One desk install: its client id and its next seq. */
export class ScriptedDesk {
  private seq = 0;

  constructor(readonly clientId: string = randomUUID()) {}

  /** The seq the next mutation gets (for tests that skip or rewind). */
  get nextSeq(): number {
    return this.seq + 1;
  }

  mutation(recordId: string, payload: MutationPayload, baseRevision: number | null = null): Mutation {
    return { seq: ++this.seq, mutationId: uuidv7(), recordId, baseRevision, deskTime: new Date().toISOString(), payload };
  }

  upsert(recordId: string, content: CallRecordContent, baseRevision: number | null = null): Mutation {
    return this.mutation(recordId, { kind: 'upsert', content }, baseRevision);
  }

  /**
   * Finalised as a desk does it, when the call ends (its endedAt): the server judges a callback
   * overdue at that moment, as the desk did.
   */
  finalise(recordId: string, content: CallRecordContent, baseRevision: number | null = null, contentHash = contentHashOf(content)): Mutation {
    return this.mutation(recordId, { kind: 'finalise', content, contentHash, finalisedAt: content.endedAt ?? content.startedAt }, baseRevision);
  }

  addendum(recordId: string, text: string, addendumId: string = uuidv7(), callbackMadeAt: string | null = null): Mutation {
    const createdAt = new Date().toISOString();
    const contentHash = addendumHashOf({ id: addendumId, recordId, createdAt, text, callbackMadeAt });
    return this.mutation(recordId, { kind: 'addendum', addendumId, text, createdAt, contentHash, ...(callbackMadeAt ? { callbackMadeAt } : {}) });
  }

  discard(recordId: string, reason = 'Opened by mistake.', baseRevision: number | null = null): Mutation {
    return this.mutation(recordId, { kind: 'discard', reason, discardedAt: new Date().toISOString() }, baseRevision);
  }

  /** A clinician's report of a problem with a directory service (its recordId is the report's id). */
  report(serviceId: string, reportKind: Extract<MutationPayload, { kind: 'report' }>['reportKind'], extra: { note?: string; phone?: string; reportId?: string; serviceName?: string; reportedAt?: string } = {}): Mutation {
    return this.mutation(extra.reportId ?? uuidv7(), {
      kind: 'report',
      serviceId,
      serviceName: extra.serviceName ?? `Service ${serviceId}`,
      reportKind,
      reportedAt: extra.reportedAt ?? new Date().toISOString(),
      ...(extra.note !== undefined ? { note: extra.note } : {}),
      ...(extra.phone !== undefined ? { phone: extra.phone } : {}),
    });
  }

  request(mutations: Mutation[], pending?: number): PushRequest {
    return { clientId: this.clientId, mutations, ...(pending === undefined ? {} : { pending }) };
  }
}

export const newRecordId = (): string => uuidv7();

/** POST /v1/sync/push as the user (in process). */
export async function push(server: TestServer, user: TestUser, body: unknown) {
  return server.app.inject({ method: 'POST', url: '/v1/sync/push', payload: body as object, headers: await server.auth(user) });
}

/** The two databases the server runs on, each fresh and migrated, with the test users. */
export const SERVER_DATABASES: [string, () => Promise<{ db: Db; drop: () => Promise<void> }>][] = [
  [
    'PostgreSQL',
    async () => {
      const t = await createTestDatabase();
      const db = connectPostgres(t.url);
      await migrate(db);
      await seedTestUsers(db);
      return { db, drop: t.drop };
    },
  ],
  [
    'PGlite',
    async () => {
      const db = await openPglite();
      await migrate(db);
      await seedTestUsers(db);
      return { db, drop: async () => {} };
    },
  ],
];
