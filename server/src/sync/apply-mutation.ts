import type { CallStatus, DraftContent } from '../../../shared/domain/call-record';
import { finaliseIssues } from '../../../shared/domain/finalise';
import { recordFieldLabel } from '../../../shared/domain/record-fields';
import type { Mutation } from '../../../shared/sync/protocol';
import { boundDeskTime } from './desk-clock';
import { addendumHashOf, contentHashOf } from './hashes';

/*
 * What one mutation does to a call record, decided without the database: the push loads the
 * records a batch touches, runs every mutation through decide() in seq order against those
 * in-memory states, and writes the final states in a few statements. The rules (DESIGN.md §5):
 * a draft changed by another desk since the mutation's base revision is a conflict, never
 * overwritten; finalised and discarded records never change; nobody learns of another's record.
 *
 * Who may write what: a record is its clinician's. Only they change, finalise or discard it; the
 * others of their team are told so in words (the desk shows their draft read-only), and anyone
 * outside the team learns nothing. Addenda on a finalised record may come from anyone in its team
 * (a handover: the night clinician records the day clinician's callback as made), each filed under
 * the person who wrote it. The writer is always the signed-in sender (DESIGN.md §5).
 *
 * Ids are scoped by trust: the push loads only the writer's trust's records, so a record of another
 * trust with the same id is, here, no record at all (the same answer as for an id never used).
 * The times a desk gives for finalising and discarding are bounded by the server's receipt time
 * (desk-clock.ts): the desk's own time is kept beside the one recorded.
 */

/** A call record as the push works on it. */
export interface RecordState {
  id: string;
  trustId: string;
  teamId: string;
  clinicianId: string;
  originClientId: string;
  /** The desk whose change the server holds: its own later changes never conflict with it. */
  lastClientId: string;
  status: CallStatus;
  revision: number;
  /** A draft may hold more than a finalised record (DraftContent); a finalised one meets every clinical limit. */
  content: DraftContent;
  contentHash: string | null;
  finalisedAt: string | null;
  discardedAt: string | null;
  discardReason: string | null;
  deskUpdatedAt: string;
  /** When the server first received the record (its own clock). */
  receivedAt: string;
  /** The finalise and discard times as the desk gave them, and when the server received each. */
  deskFinalisedAt: string | null;
  finalisedReceivedAt: string | null;
  deskDiscardedAt: string | null;
  discardedReceivedAt: string | null;
  /** Why a desk's time was not used as the record's (desk-clock.ts), or null. */
  deskClockNote: string | null;
  /** Who started it, made its latest change, finalised or discarded it (null for rows older than authors). */
  createdBy: string | null;
  updatedBy: string | null;
  finalisedBy: string | null;
  discardedBy: string | null;
}

/** Who is pushing: the signed-in clinician on one desk. */
export interface Writer {
  userId: string;
  trustId: string;
  teamId: string;
  clientId: string;
}

export interface NewAddendum {
  id: string;
  recordId: string;
  trustId: string;
  clientId: string;
  text: string;
  createdAt: string;
  contentHash: string;
  /** The addendum records the record's callback as made. */
  callbackMadeAt: string | null;
  /** Who wrote it: the writer, who may be another member of the record's team. */
  authorId: string;
}

export type Decision =
  /** record: the record's state after the change, or null when it is unchanged. */
  | { status: 'applied'; record: RecordState | null; addendum: NewAddendum | null }
  | { status: 'conflict'; reason: string }
  | { status: 'rejected'; reason: string };

/** Addenda the database already holds, by id. */
export type KnownAddenda = (id: string) => { recordId: string; contentHash: string } | undefined;

export const REASONS = {
  notYours: 'The server holds no record with this id that you may change, so nothing was saved. Keep this copy on the desk and tell IT.',
  othersDraft:
    'This draft was started by another clinician in your team, so only they can change, finalise or discard it. Nothing was changed on the server; this desk keeps your copy. Once they have finalised it, add what you need as an addendum.',
  finalised: 'This record has already been finalised on the server and cannot be changed. To add or correct something, add an addendum.',
  discarded: 'This draft was discarded on the server and cannot be changed. Start a new call record if one is needed.',
  conflict: 'This draft was changed on another desk since this desk last saw it. Nothing was overwritten: both versions are kept; choose which to keep or combine them.',
  hashMismatch: 'The finalised content does not match its fingerprint (content hash), so it may have been altered on the way. Nothing was finalised; the desk keeps its copy.',
  noDraftToDiscard: 'There is no draft with this id on the server to discard.',
  noRecordForAddendum: 'There is no finalised record with this id on the server to add this addendum to.',
  addendumOnDraft: 'This record is still a draft on the server: addenda are only for finalised records.',
  addendumHashMismatch: 'The addendum does not match its fingerprint (content hash), so it may have been altered on the way. It was not added; the desk keeps its copy.',
  addendumIdTaken: 'An addendum with this id already exists with other content, so this one was not added. The desk keeps its copy.',
} as const;

const applied = (record: RecordState | null, addendum: NewAddendum | null = null): Decision => ({ status: 'applied', record, addendum });
const rejected = (reason: string): Decision => ({ status: 'rejected', reason });

/**
 * What `m` does to `current` (the writer's trust's record with its id, if any), the server having
 * received it at `receivedAt` (its own clock, the same for the whole batch).
 */
export function decide(current: RecordState | undefined, m: Mutation, writer: Writer, knownAddenda: KnownAddenda, receivedAt: string): Decision {
  const p = m.payload;
  if (current) {
    // One answer for a record of another team or trust, whatever it holds, so that it reveals nothing.
    const inTeam = current.trustId === writer.trustId && current.teamId === writer.teamId;
    if (!inTeam) return rejected(REASONS.notYours);
    // The team shares its records (leads see them all); only their clinician changes them.
    if (current.clinicianId !== writer.userId && p.kind !== 'addendum') return refuseChange(current) ?? rejected(REASONS.othersDraft);
  }
  switch (p.kind) {
    case 'upsert': {
      if (!current) return applied(newRecord(m, writer, p.content, receivedAt));
      const unchangeable = refuseChange(current) ?? conflictWith(current, m, writer);
      if (unchangeable) return unchangeable;
      return applied(next(current, m, writer, { content: p.content }));
    }
    case 'finalise': {
      const hashMatches = contentHashOf(p.content) === p.contentHash;
      // Finalising exactly what the server already holds as final changes nothing and is no error.
      if (current?.status === 'finalised' && hashMatches && current.contentHash === p.contentHash) return applied(null);
      const unchangeable = current ? refuseChange(current) : null;
      if (unchangeable) return unchangeable;
      // The same checks as the desk's, clinical limits included, judged when the desk says it
      // finalised, as the desk judged them: a desk's wrong clock never has a record refused here
      // (its time is bounded below, for what is stored; a callback due by a slow clock shows overdue).
      const issues = finaliseIssues(p.content, new Date(p.finalisedAt));
      if (issues.length > 0) {
        const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
        return rejected(`The server cannot finalise this record: it is not complete. ${recordFieldLabel(issues[0]!.field)}: ${issues[0]!.message}${more}`);
      }
      if (!hashMatches) return rejected(REASONS.hashMismatch);
      const when = boundDeskTime('finalised', p.finalisedAt, receivedAt, current?.receivedAt ?? receivedAt);
      const finalised = {
        status: 'finalised' as const, content: p.content, contentHash: p.contentHash, finalisedAt: when.at, finalisedBy: writer.userId,
        deskFinalisedAt: p.finalisedAt, finalisedReceivedAt: receivedAt, deskClockNote: when.note,
      };
      if (!current) return applied({ ...newRecord(m, writer, p.content, receivedAt), ...finalised });
      const conflict = conflictWith(current, m, writer);
      if (conflict) return conflict;
      return applied(next(current, m, writer, finalised));
    }
    case 'addendum': {
      if (!current) return rejected(REASONS.noRecordForAddendum);
      if (current.status === 'discarded') return rejected(REASONS.discarded);
      if (current.status === 'draft') return rejected(REASONS.addendumOnDraft);
      const addendum: NewAddendum = {
        id: p.addendumId, recordId: m.recordId, trustId: writer.trustId, clientId: writer.clientId, text: p.text, createdAt: p.createdAt, contentHash: p.contentHash,
        callbackMadeAt: p.callbackMadeAt ?? null, authorId: writer.userId,
      };
      if (addendumHashOf(addendum) !== p.contentHash) return rejected(REASONS.addendumHashMismatch);
      const known = knownAddenda(p.addendumId);
      if (known) return known.recordId === m.recordId && known.contentHash === p.contentHash ? applied(null) : rejected(REASONS.addendumIdTaken);
      return applied(null, addendum);
    }
    case 'discard': {
      if (!current) return rejected(REASONS.noDraftToDiscard);
      const unchangeable = refuseChange(current) ?? conflictWith(current, m, writer);
      if (unchangeable) return unchangeable;
      const when = boundDeskTime('discarded', p.discardedAt, receivedAt, current.receivedAt);
      return applied(
        next(current, m, writer, {
          status: 'discarded', discardedAt: when.at, discardReason: p.reason, discardedBy: writer.userId, deskDiscardedAt: p.discardedAt, discardedReceivedAt: receivedAt,
          deskClockNote: when.note,
        }),
      );
    }
    case 'report':
      // Reports of directory problems are not call records: the push decides them (directory/quality/reports.ts).
      return rejected(REASONS.notYours);
  }
}

function refuseChange(current: RecordState): Decision | null {
  if (current.status === 'finalised') return rejected(REASONS.finalised);
  if (current.status === 'discarded') return rejected(REASONS.discarded);
  return null;
}

/** Another desk's change the mutation was not based on: keep both, never overwrite. */
function conflictWith(current: RecordState, m: Mutation, writer: Writer): Decision | null {
  if (current.lastClientId === writer.clientId || m.baseRevision === current.revision) return null;
  return { status: 'conflict', reason: REASONS.conflict };
}

function newRecord(m: Mutation, writer: Writer, content: DraftContent, receivedAt: string): RecordState {
  return {
    id: m.recordId,
    trustId: writer.trustId,
    teamId: writer.teamId,
    clinicianId: writer.userId,
    originClientId: writer.clientId,
    lastClientId: writer.clientId,
    status: 'draft',
    revision: 1,
    content,
    contentHash: null,
    finalisedAt: null,
    discardedAt: null,
    discardReason: null,
    deskUpdatedAt: m.deskTime,
    receivedAt,
    deskFinalisedAt: null,
    finalisedReceivedAt: null,
    deskDiscardedAt: null,
    discardedReceivedAt: null,
    deskClockNote: null,
    createdBy: writer.userId,
    updatedBy: writer.userId,
    finalisedBy: null,
    discardedBy: null,
  };
}

function next(current: RecordState, m: Mutation, writer: Writer, change: Partial<RecordState>): RecordState {
  return { ...current, ...change, revision: current.revision + 1, lastClientId: writer.clientId, deskUpdatedAt: m.deskTime, updatedBy: writer.userId };
}
