import type { Mutation, PushItemResult, PushRequest, PushResponse } from '../../../shared/sync/protocol';
import { HttpError } from '../app';
import type { Db, Queryable } from '../db/db';
import { decideReport, insertReports, reportFacts, type NewReport } from '../directory/quality/reports';
import { decide, type Decision, type NewAddendum, type RecordState, type Writer } from './apply-mutation';
import {
  answersForSeqs,
  insertAddenda,
  insertRecords,
  knownAddenda,
  lockRecords,
  lockSyncClient,
  recordAnswers,
  saveSyncClient,
  touchRecords,
  updateRecords,
  usedMutationIds,
  type AnswerRow,
  type AppliedRow,
} from './push-sql';
import { retryOnContention } from './retry-transaction';
import { unstorableText } from '../../../shared/lib/storable-text';

/** The batch does not start right after the last applied seq: nothing was applied. */
export class SeqGapError extends Error {
  constructor(readonly expectedSeq: number) {
    super(`This batch starts after a change the server has not received: send again from change ${expectedSeq}.`);
  }
}

export interface PushOutcome {
  response: PushResponse;
  /** Whether any record changed, so desks that see it should be told to pull. */
  changedRecords: boolean;
  /**
   * The clinicians whose records changed (an addendum may come from another member of the team),
   * so each of them, not only the sender, is told to pull.
   */
  owners: string[];
  /** Whether the batch held new reports of directory problems: their services must be published. */
  newReports: boolean;
}

const BATCH_REASONS = {
  seqReused: 'The server already holds a different change under this sequence number from this desk, so this one was not applied. The desk keeps its copy; tell IT.',
  mutationIdTaken: 'This change carries the id of a change the server already holds, so it was not applied. The desk keeps its copy; tell IT.',
  unstorable: 'This change contains a character that cannot be stored (a NUL or a broken Unicode character), so it was not saved. Retype the affected text.',
};

/**
 * Applies a desk's batch of mutations once each, in seq order, in one transaction with the desk's
 * sync_client row locked: the effects, the answers (kept for replays) and the new last seq commit
 * together or not at all, so a lost response is a harmless replay and no seq is ever applied twice.
 */
export async function pushBatch(db: Db, writer: Writer, request: PushRequest): Promise<PushOutcome> {
  checkBatchShape(request.mutations);
  return retryOnContention(() => db.transaction((tx) => applyBatch(tx, writer, request)));
}

function checkBatchShape(mutations: Mutation[]): void {
  const ids = new Set<string>();
  mutations.forEach((m, i) => {
    if (i > 0 && m.seq !== mutations[i - 1]!.seq + 1) {
      throw new HttpError(400, 'invalid_params', `mutations.${i}.seq: the seqs of a batch must follow one another (${mutations[i - 1]!.seq} then ${mutations[i - 1]!.seq + 1}, not ${m.seq}).`);
    }
    if (ids.has(m.mutationId)) throw new HttpError(400, 'invalid_params', `mutations.${i}.mutationId: the same mutation appears twice in the batch.`);
    ids.add(m.mutationId);
  });
}

async function applyBatch(tx: Queryable, writer: Writer, request: PushRequest): Promise<PushOutcome> {
  const { mutations } = request;
  const client = await lockSyncClient(tx, writer);
  if (client.user_id !== writer.userId) {
    // Desks send each author's changes in a stream of their own, so this means changes queued under another person.
    throw new HttpError(403, 'client_claimed', 'These changes were queued on this desk in another person’s name on the server, so they can only be sent under that person’s session. Nothing was applied; the desk keeps them. Ask that person to sign in on this desk, or tell IT.');
  }
  const lastSeq = client.last_seq;
  const firstSeq = mutations[0]!.seq;
  const batchLastSeq = mutations.at(-1)!.seq;
  if (firstSeq > lastSeq + 1) throw new SeqGapError(lastSeq + 1);

  const fresh = mutations.filter((m) => m.seq > lastSeq);
  const stream = { trustId: writer.trustId, clientId: writer.clientId };
  const receivedAt = client.received_at.toISOString();
  const replays = firstSeq <= lastSeq ? await answersForSeqs(tx, stream, firstSeq, Math.min(batchLastSeq, lastSeq)) : new Map<number, AppliedRow>();
  const records = await lockRecords(tx, writer.trustId, [...new Set(mutations.flatMap((m) => (m.payload.kind === 'report' ? [] : [m.recordId])))]);
  const addenda = await knownAddenda(tx, writer.trustId, fresh.flatMap((m) => (m.payload.kind === 'addendum' ? [m.payload.addendumId] : [])));
  const takenIds = await usedMutationIds(tx, writer.trustId, fresh.map((m) => m.mutationId));
  const reports = await reportFacts(tx, writer.trustId, fresh);
  const newReports: NewReport[] = [];

  const existing = new Set(records.keys());
  const changed = new Map<string, RecordState>();
  const touched = new Set<string>();
  const newAddenda: NewAddendum[] = [];
  const answers: AnswerRow[] = [];
  const results: PushItemResult[] = [];

  for (const m of mutations) {
    if (m.seq <= lastSeq) {
      results.push(replayAnswer(m, replays.get(m.seq), records.get(m.recordId)));
      continue;
    }
    if (takenIds.has(m.mutationId)) {
      // Not recorded (the id is the key of applied_mutation): a replay of this seq finds no answer and says the same.
      results.push(item(m, 'rejected', { reason: BATCH_REASONS.mutationIdTaken }));
      continue;
    }
    if (m.payload.kind === 'report' && !unstorableText(m)) {
      // A report of a directory problem (not a call record): filed with the batch, under the sender.
      const d = decideReport(m, writer, reports);
      if (d.status === 'applied' && d.report) {
        newReports.push(d.report);
        reports.held.set(d.report.id, { reportedBy: writer.userId, serviceId: d.report.serviceId, kind: d.report.kind });
      }
      const result = d.status === 'applied' ? item(m, 'applied', {}) : item(m, 'rejected', { reason: d.reason });
      results.push(result);
      answers.push({ mutation_id: m.mutationId, seq: m.seq, record_id: m.recordId, status: d.status, server_revision: null, reason: result.reason, author_id: writer.userId, desk_time: m.deskTime });
      continue;
    }
    const decision: Decision = unstorableText(m)
      ? { status: 'rejected', reason: BATCH_REASONS.unstorable }
      : decide(records.get(m.recordId), m, writer, (id) => addenda.get(id), receivedAt);
    if (decision.status === 'applied') {
      if (decision.record) {
        records.set(m.recordId, decision.record);
        changed.set(m.recordId, decision.record);
      }
      if (decision.addendum) {
        newAddenda.push(decision.addendum);
        addenda.set(decision.addendum.id, decision.addendum);
        touched.add(m.recordId);
      }
    }
    const current = records.get(m.recordId);
    const result =
      decision.status === 'applied'
        ? item(m, 'applied', { serverRevision: current!.revision })
        : decision.status === 'conflict'
          ? item(m, 'conflict', { serverRevision: current!.revision, reason: decision.reason, serverContent: current!.content })
          : item(m, 'rejected', { reason: decision.reason });
    results.push(result);
    answers.push({
      mutation_id: m.mutationId, seq: m.seq, record_id: m.recordId, status: decision.status, server_revision: result.serverRevision, reason: result.reason, author_id: writer.userId,
      desk_time: m.deskTime,
    });
  }

  await recordAnswers(tx, stream, answers);
  await saveSyncClient(tx, stream, writer.teamId, Math.max(lastSeq, batchLastSeq), request.pending);
  // Record writes last: they number the trust's changes under a lock held until commit (migration 2).
  const changedRecords = [...changed.values()];
  await insertRecords(tx, changedRecords.filter((r) => !existing.has(r.id)));
  await updateRecords(tx, changedRecords.filter((r) => existing.has(r.id)));
  await touchRecords(tx, writer.trustId, [...touched].filter((id) => !changed.has(id)));
  await insertAddenda(tx, newAddenda);
  await insertReports(tx, newReports);

  const owners = new Set([...changed.keys(), ...touched].map((id) => records.get(id)!.clinicianId));
  return {
    response: { results, lastSeq: Math.max(lastSeq, batchLastSeq) },
    changedRecords: changed.size > 0 || touched.size > 0,
    owners: [...owners],
    newReports: newReports.length > 0,
  };
}

function item(m: Mutation, status: PushItemResult['status'], extra: Partial<PushItemResult>): PushItemResult {
  return { seq: m.seq, mutationId: m.mutationId, status, serverRevision: null, reason: null, serverContent: null, ...extra };
}

/** The answer to a mutation the server has already answered, from what it recorded then. */
function replayAnswer(m: Mutation, first: AppliedRow | undefined, current: RecordState | undefined): PushItemResult {
  if (!first) return item(m, 'duplicate', { original: 'rejected', reason: BATCH_REASONS.mutationIdTaken });
  if (first.mutation_id !== m.mutationId) return item(m, 'rejected', { reason: BATCH_REASONS.seqReused });
  switch (first.status) {
    case 'applied':
      return item(m, 'duplicate', { original: 'applied', serverRevision: first.server_revision });
    case 'conflict':
      // The record as it stands now, so the desk can still keep both versions.
      return item(m, 'duplicate', { original: 'conflict', reason: first.reason, serverRevision: current?.revision ?? null, serverContent: current?.content ?? null });
    case 'rejected':
      return item(m, 'duplicate', { original: 'rejected', reason: first.reason });
  }
}
