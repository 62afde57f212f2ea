import { z } from 'zod';
import { AUDIENCES } from '../lib/disclosure';
import { EXPORT_FORMATS, type ExportFormat } from '../lib/shift-export-formats';
import type { ShiftSummary } from '../lib/shift-summary';
import type { TeamContext } from '../lib/shift-team-context';
import type { ContractError } from './errors';

/*
 * Shift summaries on a team lead's desk (DESIGN.md §9): computed by the core from the team's
 * records it has pulled, so they work offline, with the same figures (and the same files) as
 * GET /v1/summaries/shift gives for the same records.
 */

/** Longest range a summary covers, as on the server. */
export const MAX_SUMMARY_DAYS = 31;

const TeamId = z.string().min(1).max(200);
const Instant = z.iso.datetime({ offset: true });

const Range = z.object({ teamId: TeamId, from: Instant, to: Instant });

/** The checks every range gets, at the field a person fixes: "to". */
function rangeChecks<T extends z.ZodType<{ from: string; to: string }>>(schema: T) {
  return schema
    .refine((p) => Date.parse(p.to) !== Date.parse(p.from), { path: ['to'], message: 'must be after from (the range is empty)' })
    .refine((p) => !(Date.parse(p.to) < Date.parse(p.from)), { path: ['to'], message: 'must be after from (the range is reversed)' })
    .refine((p) => Date.parse(p.to) - Date.parse(p.from) <= MAX_SUMMARY_DAYS * 86_400_000, { path: ['to'], message: `must be at most ${MAX_SUMMARY_DAYS} days after from` });
}

export const ShiftRangeParams = rangeChecks(Range);

export const TeamContextParams = z.object({
  teamId: TeamId,
  /** Ask the server now (when online) instead of using what the desk last heard. */
  refresh: z.boolean().optional(),
});

const ExportRequest = Range.extend({
  /** Chosen by the caller, so it can cancel the export (summaries.cancelExport) while it runs. */
  exportId: z.string().uuid(),
  format: z.enum(EXPORT_FORMATS),
  audience: z.enum(AUDIENCES),
});

/**
 * An export the screen asks for where the file's place is chosen by someone else: the desktop
 * shell's save dialog (app.saveExport), or the browser host's download (GET /exports/shift).
 */
export const ExportRequestParams = rangeChecks(ExportRequest);

/** The browser host's answer to GET /exports/shift: the made file, waiting once at `href` for the browser's download. */
export interface HostDownload {
  href: string;
  /** The file's name, as the download will save it. */
  name: string;
  desksBehind: number;
}

export const ExportParams = rangeChecks(
  ExportRequest.extend({
    /** Where to write, as the save dialog (or the browser host's download) chose: an absolute path. */
    path: z.string().min(1).max(4096),
  }),
);

/** A team whose shifts the desk user may see. */
export interface SummaryTeam {
  id: string;
  name: string;
}

export interface SummaryTeamsView {
  teams: SummaryTeam[];
  /**
   * team_records: made on this desk from the team's pulled records (a team lead; works offline);
   * server: asked of the server (an administrator, whose desk pulls no team's records).
   */
  source: 'team_records' | 'server';
}

export interface TeamContextView {
  /** What the server last said about the team; null when this desk has never been told. */
  context: TeamContext | null;
  /** When the desk was told (desk clock). */
  fetchedAt: string | null;
  /** Why the server could not be asked just now, when refresh was asked for; null when it answered. */
  refreshError: string | null;
}

export interface ShiftSummaryView {
  summary: ShiftSummary;
  teamName: string;
  /** Where the figures were made (SummaryTeamsView.source): on this desk, or by the server. */
  source: 'team_records' | 'server';
  /** "Team records as of": when this desk last pulled the team's records; null if never. */
  recordsPulledAt: string | null;
  /** The newest change to the team's records this desk holds (server time). */
  recordsAsOf: string | null;
  /** When the desks' sync state and names were last heard from the server. */
  contextFetchedAt: string;
  /** Changes on this desk not yet on the server (they are in the figures, not yet in the server's). */
  waitingOnThisDesk: number;
}

export interface ExportResult {
  exportId: string;
  path: string;
  format: ExportFormat;
  bytes: number;
  contacts: number;
  /** Desks of the team behind when the file was made (the file says so too). */
  desksBehind: number;
}

export interface ExportProgressEvent {
  exportId: string;
  phase: 'summary' | 'contacts' | 'sections' | 'finishing' | 'done' | 'cancelled' | 'failed';
  done: number;
  total: number;
  /** With failed (and cancelled): why, in words a person can act on. */
  error?: ContractError;
}
