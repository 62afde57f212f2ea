import { z } from 'zod';
import { CALL_STATUSES, CONTACT_ROUTES, DraftContent } from '../domain/call-record';
import type { Author } from '../domain/people';

const RecordId = z.string().uuid();

/**
 * Who the screen believes is writing: the desk user it last heard of (null: nobody signed in). The
 * core refuses the change (session_changed) when someone else has signed in or out since, so typing
 * on a screen that has not caught up is never saved under the next person's name. Optional for
 * callers that do not track the session (tests, tools).
 */
const AuthorId = z.string().max(200).nullable().optional();

export const CreateCallParams = z.object({
  authorId: AuthorId,
  startedAt: z.iso.datetime({ offset: true }).optional(),
  contactRoute: z.enum(CONTACT_ROUTES).optional(),
});

export const SaveCallParams = z.object({
  id: RecordId,
  authorId: AuthorId,
  /** The revision this edit was made on; a save against an older one is refused, never merged. */
  revision: z.number().int().min(1),
  /** A draft takes text past its clinical limits; those bind when it is finalised. */
  content: DraftContent,
});

export const RecordRef = z.object({ id: RecordId });
/** The record open on this desk's screen, or null when none is. */
export const SetOpenOnDeskParams = z.object({ id: RecordId.nullable() });
export const FinaliseCallParams = z.object({ id: RecordId, revision: z.number().int().min(1), authorId: AuthorId });
export const AddAddendumParams = z.object({
  id: RecordId,
  authorId: AuthorId,
  text: z.string().trim().min(1, 'Write the addendum.').max(8000),
  /** This addendum records the callback the record asked for as made (now). */
  callbackMade: z.boolean().optional(),
});
export const DiscardCallParams = z.object({ id: RecordId, authorId: AuthorId, revision: z.number().int().min(1), reason: z.string().trim().min(1, 'Say why the draft is discarded.').max(1000) });
export const ListCallsParams = z.object({
  statuses: z.array(z.enum(CALL_STATUSES)).min(1).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export interface SaveResult {
  id: string;
  revision: number;
  savedAt: string;
}

export interface RevisionInfo {
  revision: number;
  savedAt: string;
  kind: 'create' | 'edit' | 'finalise' | 'discard';
  /** Who made it (null: unattributed, or not recorded). */
  author: Author | null;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** The first entry that does not match the chain, when ok is false. */
  brokenAt: number | null;
  reason: string | null;
}
