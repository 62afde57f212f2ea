import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Random } from '../../../scripts/synthetic/random';
import { addendumHashOf, contentHashOf } from '../../../server/src/sync/hashes';
import type { CallRecordContent, CallStatus } from '../../../shared/domain/call-record';
import type { DirectoryService } from '../../../shared/domain/directory';
import type { Mutation, MutationPayload, PushRequest, PushResponse } from '../../../shared/sync/protocol';
import type { TestUser } from '../../support/server-fixtures';
import { callScript, type CallScript } from './call-content';

/** What the server must hold for a record once every mutation of the desk is applied. */
export interface ExpectedRecord {
  id: string;
  status: CallStatus;
  /** One per applied upsert, finalise or discard (addenda leave it as it is). */
  revision: number;
  content: CallRecordContent;
  contentHash: string | null;
  finalisedAt: string | null;
  discardedAt: string | null;
  discardReason: string | null;
  addenda: { id: string; text: string; createdAt: string; contentHash: string; callbackMadeAt: string | null }[];
}

interface OpenCall {
  script: CallScript;
  /** Drafts saved so far. */
  saved: number;
}

const ADDENDUM_TEXTS = [
  'Caller rang back to say they attended the GP appointment as planned.',
  'Correction: the callback number was given verbally and has been confirmed.',
  'Care coordinator informed by email the following morning.',
];

/**
 * One desk install (its own client id, one clinician) making the mutations its outbox would hold:
 * calls opened and autosaved draft after draft, finalised with the desk's content hash, now and
 * then discarded, addenda to finalised calls. Mutations are numbered as the desk numbers them
 * (consecutive seqs), and the desk keeps what the server must end up holding.
 */
export class SimulatedDesk {
  readonly clientId = randomUUID();
  readonly expected = new Map<string, ExpectedRecord>();
  private seq = 0;
  private readonly open: OpenCall[] = [];
  private readonly finalised: string[] = [];
  /** The server revision each record had when this desk last heard, as a desk sends it back as baseRevision. */
  private readonly serverRevision = new Map<string, number>();
  /** The record of each mutation not yet answered (answers name the mutation only). */
  private readonly recordOf = new Map<string, string>();
  private clock: number;

  constructor(
    readonly user: TestUser,
    private readonly rng: Random,
    private readonly services: readonly DirectoryService[],
    startAt = Date.parse('2026-11-25T18:00:00Z'),
  ) {
    this.clock = startAt;
  }

  /** How many mutations this desk has made (its last seq). */
  get lastSeq(): number {
    return this.seq;
  }

  request(mutations: Mutation[], pending = 0): PushRequest {
    return { clientId: this.clientId, mutations, pending };
  }

  /** The next n mutations of the desk's shift. */
  nextMutations(n: number): Mutation[] {
    return Array.from({ length: n }, () => this.nextMutation());
  }

  /** Takes in the server's answers; returns the items that were not applied (a correct run has none). */
  acknowledge(response: PushResponse): string[] {
    const problems: string[] = [];
    for (const r of response.results) {
      const applied = r.status === 'applied' || (r.status === 'duplicate' && r.original === 'applied');
      if (!applied) problems.push(r.status === 'duplicate' ? `duplicate of ${r.original}` : r.status);
      const recordId = this.recordOf.get(r.mutationId);
      if (applied && recordId && r.serverRevision !== null) this.serverRevision.set(recordId, r.serverRevision);
      this.recordOf.delete(r.mutationId);
    }
    return problems;
  }

  /** About 3 % addenda, 2 % discards, a new call now and then (at most three open); otherwise the next draft of an open call, or its finalise. */
  private nextMutation(): Mutation {
    this.clock += this.rng.int(5, 40) * 1000;
    const r = this.rng.float();
    if (this.finalised.length > 0 && r < 0.03) return this.addendum(this.rng.pick(this.finalised));
    if (this.open.length === 0 || (this.open.length < 3 && r < 0.12)) {
      const call: OpenCall = { script: callScript(this.rng, new Date(this.clock), this.services), saved: 0 };
      this.open.push(call);
      return this.saveDraft(call);
    }
    const call = this.rng.pick(this.open);
    if (r < 0.14) return this.discard(call);
    return call.saved < call.script.drafts.length ? this.saveDraft(call) : this.finalise(call);
  }

  private mutation(recordId: string, payload: MutationPayload): Mutation {
    const m: Mutation = { seq: ++this.seq, mutationId: uuidv7(), recordId, baseRevision: this.serverRevision.get(recordId) ?? null, deskTime: new Date(this.clock).toISOString(), payload };
    this.recordOf.set(m.mutationId, recordId);
    return m;
  }

  private saveDraft(call: OpenCall): Mutation {
    const content = call.script.drafts[call.saved++]!;
    const id = call.script.recordId;
    const before = this.expected.get(id);
    this.expected.set(id, before ? { ...before, content, revision: before.revision + 1 } : newExpected(id, content));
    return this.mutation(id, { kind: 'upsert', content });
  }

  private finalise(call: OpenCall): Mutation {
    this.close(call);
    const id = call.script.recordId;
    const content = call.script.drafts.at(-1)!;
    const contentHash = contentHashOf(content);
    const finalisedAt = new Date(this.clock).toISOString();
    const before = this.expected.get(id)!;
    this.expected.set(id, { ...before, status: 'finalised', revision: before.revision + 1, content, contentHash, finalisedAt });
    this.finalised.push(id);
    return this.mutation(id, { kind: 'finalise', content, contentHash, finalisedAt });
  }

  private discard(call: OpenCall): Mutation {
    this.close(call);
    const id = call.script.recordId;
    const discardedAt = new Date(this.clock).toISOString();
    const reason = 'Opened by mistake: a duplicate of another call.';
    const before = this.expected.get(id)!;
    this.expected.set(id, { ...before, status: 'discarded', revision: before.revision + 1, discardedAt, discardReason: reason });
    return this.mutation(id, { kind: 'discard', reason, discardedAt });
  }

  private addendum(recordId: string): Mutation {
    const a = { id: uuidv7(), recordId, createdAt: new Date(this.clock).toISOString(), text: this.rng.pick(ADDENDUM_TEXTS), callbackMadeAt: null };
    const contentHash = addendumHashOf(a);
    this.expected.get(recordId)!.addenda.push({ id: a.id, text: a.text, createdAt: a.createdAt, contentHash, callbackMadeAt: null });
    return this.mutation(recordId, { kind: 'addendum', addendumId: a.id, text: a.text, createdAt: a.createdAt, contentHash });
  }

  private close(call: OpenCall): void {
    this.open.splice(this.open.indexOf(call), 1);
  }
}

function newExpected(id: string, content: CallRecordContent): ExpectedRecord {
  return { id, status: 'draft', revision: 1, content, contentHash: null, finalisedAt: null, discardedAt: null, discardReason: null, addenda: [] };
}
