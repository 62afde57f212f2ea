import { z } from 'zod';
import { ShiftPreset } from './shift-presets';

/*
 * What a team lead's desk needs from the server, besides the team's records, to make the same
 * shift summary offline as the server makes online (GET /v1/summaries/team-context): the team's
 * name and shift presets, the names of its people, its desks' sync state and offline periods, the
 * directory problems its clinicians reported, and the newest change to its records. The desk keeps
 * the last answer and says how old it is.
 */

const Iso = z.iso.datetime({ offset: true });

export const TeamContext = z.object({
  teamId: z.string(),
  teamName: z.string(),
  presets: z.array(ShiftPreset).min(1),
  /** false: the team has not set its shifts and these are the defaults. */
  presetsConfigured: z.boolean(),
  people: z.array(z.object({ id: z.string(), name: z.string() })),
  desks: z.array(z.object({ clientId: z.string().uuid(), userId: z.string().nullable(), lastSeenAt: Iso.nullable(), pending: z.number().int().min(0) })),
  /** The last OFFLINE_HISTORY_DAYS, merged per desk. */
  offlinePeriods: z.array(z.object({ clientId: z.string().uuid(), userId: z.string().nullable(), from: Iso, to: Iso.nullable() })),
  directoryProblems: z.array(z.object({ serviceId: z.string(), kind: z.string(), reportedAt: Iso })),
  /** The server time of the newest change to the team's records; null when it has none. */
  recordsAsOf: Iso.nullable(),
  generatedAt: Iso,
});
export type TeamContext = z.infer<typeof TeamContext>;

/** How far back offline periods reach: a range is at most 31 days, and may end up to a month ago. */
export const OFFLINE_HISTORY_DAYS = 62;
