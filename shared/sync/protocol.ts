import { z } from 'zod';
import { DraftContent } from '../domain/call-record';
import { DirectoryService } from '../domain/directory';
import { REPORT_KINDS, ReportNote } from '../domain/directory-quality';
import { Author } from '../domain/people';

/*
 * The sync protocol between desks and the central API (DESIGN.md §5): plain HTTPS + JSON/NDJSON.
 * Both sides validate with these schemas, so a change here fails to compile or to parse on both.
 */

export const PROTOCOL_VERSION = 1;
/** Header every desk sends; the server answers 426 when it no longer speaks that version. */
export const PROTOCOL_HEADER = 'x-crisis-desk-protocol';
/** The desk's clientId, sent with the hint stream: the server caps open streams per desk by it. */
export const DESK_HEADER = 'x-crisis-desk-client';

// ---------------------------------------------------------------- directory (server → desk)

/** How a compressed directory snapshot is encoded (Zstandard, RFC 8878). */
export const SNAPSHOT_ENCODING = 'zstd';
export type SnapshotEncoding = typeof SNAPSHOT_ENCODING;

export const DirectoryManifest = z.object({
  /** Identifies the published directory version the snapshot holds. */
  snapshotId: z.string(),
  version: z.number().int().min(0),
  /** Opaque: where a desk holding this snapshot continues the changes feed. */
  cursor: z.string(),
  schemaVersion: z.number().int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  /** Relative to the API base: /v1/directory/snapshots/{sha256}. */
  url: z.string(),
  publishedAt: z.iso.datetime({ offset: true }),
  services: z.number().int().min(0),
  /**
   * The same file compressed, as the server stores it: what a desk that can decode it downloads
   * instead (a fifth of the bytes), checking this sha256 on the way in and the one above once
   * decoded. Absent for a snapshot stored uncompressed. Desks that ignore it download url, which
   * the server decodes for them.
   */
  compressed: z
    .object({
      encoding: z.literal(SNAPSHOT_ENCODING),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().min(0),
      /** Relative to the API base: /v1/directory/snapshots/{sha256}. */
      url: z.string(),
    })
    .optional(),
});
export type DirectoryManifest = z.infer<typeof DirectoryManifest>;

/** One line of GET /v1/directory/changes (NDJSON); the last line is always `end`. */
export const DirectoryChangeLine = z.discriminatedUnion('op', [
  z.object({ op: z.literal('put'), version: z.number().int(), service: DirectoryService }),
  z.object({ op: z.literal('del'), version: z.number().int(), id: z.string() }),
  z.object({ op: z.literal('end'), cursor: z.string(), version: z.number().int(), more: z.boolean() }),
]);
export type DirectoryChangeLine = z.infer<typeof DirectoryChangeLine>;

// ---------------------------------------------------------------- call records (desk → server)

export const MUTATION_KINDS = ['upsert', 'finalise', 'addendum', 'discard', 'report'] as const;

const Iso = z.iso.datetime({ offset: true });
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const MutationPayload = z.discriminatedUnion('kind', [
  /**
   * A draft's whole content as it stands (whole content keeps replay idempotent). A draft may hold
   * more than a finalised record (DraftContent): one over-long field never stops the rest of it.
   */
  z.object({ kind: z.literal('upsert'), content: DraftContent }),
  /**
   * Parsed as leniently as a draft, so that a record over a clinical limit is answered `rejected`
   * with its reason (finaliseIssues) rather than failing the whole batch.
   */
  z.object({ kind: z.literal('finalise'), content: DraftContent, contentHash: Sha256Hex, finalisedAt: Iso }),
  z.object({
    kind: z.literal('addendum'),
    addendumId: z.string().uuid(),
    text: z.string().min(1).max(8000),
    createdAt: Iso,
    contentHash: Sha256Hex,
    /** The addendum records the record's callback as made, at this time. Absent from older desks. */
    callbackMadeAt: Iso.nullable().optional(),
  }),
  z.object({ kind: z.literal('discard'), reason: z.string().min(1).max(1000), discardedAt: Iso }),
  /*
   * A clinician's report of a problem with a directory service. The mutation's recordId
   * is the report's own id (a UUID made on the desk); baseRevision is null.
   *
   * Reports ride this protocol rather than a route of their own because they need every guarantee
   * call records already have, and a second queue would have to rebuild each one: the change is
   * committed on the desk in one transaction with its outbox entry and audit entry; it goes in its
   * author's own stream, only under their session (a leaver's reports are sent by their kept
   * session, never under the next person's name); the server applies it once, by the stream's
   * seq in the same transaction as its effect, so a lost answer is a harmless replay; a refusal
   * is kept and shown like any other; and team leads see desks with reports still waiting. The
   * server files it under the signed-in sender, as it does every change.
   */
  z.object({
    kind: z.literal('report'),
    serviceId: z.string().min(1).max(200),
    /** The service's name as the desk showed it, for the leads' queue should it be withdrawn meanwhile. */
    serviceName: z.string().min(1).max(300),
    reportKind: z.enum(REPORT_KINDS),
    note: ReportNote.optional(),
    phone: z.string().max(40).optional(),
    reportedAt: Iso,
  }),
]);
export type MutationPayload = z.infer<typeof MutationPayload>;

/*
 * Every mutation is made by one person. A desk sends each author's changes in a stream of their
 * own (its clientId, one per install and author, with seqs per stream and no gaps), and only under
 * that author's session: the server files each change under the signed-in sender, so a change is
 * never re-attributed to whoever happens to be signed in when it is sent.
 */

export const Mutation = z.object({
  /** Strictly increasing per client, with no gaps: the server applies each once, in order. */
  seq: z.number().int().min(1),
  mutationId: z.string().uuid(),
  recordId: z.string().uuid(),
  /**
   * The server revision this change was made on (null for a record the server has never seen).
   * When another desk has changed the record since, the server keeps both and reports a conflict.
   */
  baseRevision: z.number().int().min(0).nullable(),
  /** Desk clock when the change was made: recorded and shown, never trusted for ordering. */
  deskTime: Iso,
  payload: MutationPayload,
});
export type Mutation = z.infer<typeof Mutation>;

export const PushRequest = z.object({
  /** The stream: one per desk install and author, used only under that author's session. */
  clientId: z.string().uuid(),
  /** Consecutive seqs (each one more than the last), starting at most one past the server's lastSeq. */
  mutations: z.array(Mutation).min(1).max(500),
  /**
   * How many changes the desk still has waiting after this batch (0 when this batch empties its
   * outbox). Team leads see desks with changes still waiting; absent: the last report stands.
   */
  pending: z.number().int().min(0).max(10_000_000).optional(),
});
export type PushRequest = z.infer<typeof PushRequest>;

export const PUSH_STATUSES = ['applied', 'duplicate', 'conflict', 'rejected'] as const;

export const PushItemResult = z.object({
  seq: z.number().int(),
  mutationId: z.string().uuid(),
  status: z.enum(PUSH_STATUSES),
  /** The record's server revision after this item (applied/duplicate), or as it stands (conflict). */
  serverRevision: z.number().int().nullable(),
  /** For conflict/rejected: why, in words a clinician can act on. */
  reason: z.string().nullable(),
  /** For conflict: the server's current content, so the clinician can choose or merge. */
  serverContent: DraftContent.nullable(),
  /**
   * For duplicate: the first answer to this mutation. A desk that lost the response to a conflict
   * or a rejection still learns of it on the replay: reason is repeated, and for a conflict
   * serverRevision and serverContent are the record as it stands now.
   */
  original: z.enum(['applied', 'conflict', 'rejected']).optional(),
});
export type PushItemResult = z.infer<typeof PushItemResult>;

export const PushResponse = z.object({
  results: z.array(PushItemResult),
  /** The highest seq the server has applied for this client (after this batch). */
  lastSeq: z.number().int().min(0),
});
export type PushResponse = z.infer<typeof PushResponse>;

/** 409 body when the batch does not start right after the last applied seq. */
export const SeqGap = z.object({ error: z.literal('seq_gap'), message: z.string(), expectedSeq: z.number().int() });

/**
 * GET /v1/sync/hints is a text/event-stream: each event's name is the hint's kind and its data this
 * JSON. `ready` comes first: pull once then, for anything changed while the stream was down.
 * Comment lines are keep-alives. The server ends the stream now and then (and on shutdown): reconnect.
 */
export const SyncHint = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready') }),
  /** Records this user may see have changed: pull. */
  z.object({ kind: z.literal('records') }),
  /** A new directory version is published: catch up from the changes feed. */
  z.object({ kind: z.literal('directory'), version: z.number().int() }),
]);
export type SyncHint = z.infer<typeof SyncHint>;

// ---------------------------------------------------------------- records a user may see (server → desk)

export const ServerCallRecord = z.object({
  id: z.string().uuid(),
  /** The sync stream (the push's clientId) of the last change the server applied to the record. */
  lastClientId: z.string().uuid(),
  clinicianId: z.string(),
  teamId: z.string(),
  status: z.enum(['draft', 'finalised', 'discarded']),
  revision: z.number().int(),
  content: DraftContent,
  contentHash: Sha256Hex.nullable(),
  finalisedAt: Iso.nullable(),
  discardedAt: Iso.nullable(),
  discardReason: z.string().nullable(),
  addenda: z.array(
    z.object({
      id: z.string().uuid(),
      text: z.string(),
      createdAt: Iso,
      contentHash: Sha256Hex,
      callbackMadeAt: Iso.nullable(),
      /** Who wrote it (another member of the team may add one to a finalised record). Absent from older servers. */
      author: Author.nullable().optional(),
    }),
  ),
  updatedAt: Iso,
  /** Who started the record, made its latest change, finalised or discarded it. Absent from older servers. */
  createdBy: Author.nullable().optional(),
  updatedBy: Author.nullable().optional(),
  finalisedBy: Author.nullable().optional(),
  discardedBy: Author.nullable().optional(),
});
export type ServerCallRecord = z.infer<typeof ServerCallRecord>;

export const PullResponse = z.object({
  records: z.array(ServerCallRecord),
  /** Opaque; pass back to get only what changed since. */
  cursor: z.string(),
  more: z.boolean(),
});
export type PullResponse = z.infer<typeof PullResponse>;
