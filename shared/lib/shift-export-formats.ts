import type { Audience } from './disclosure';
import { londonWallClock } from './shift-summary';

/** The files a shift summary is exported as; the API serves each under its media type. */
export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** 'shift-summary_team-a1_2026-10-24T2000_handover.pdf': the same name from the desk and the API. */
export function exportFileName(teamId: string, from: string, audience: Audience, format: ExportFormat): string {
  const team = teamId.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60) || 'team';
  const start = londonWallClock(Math.floor(Date.parse(from) / 60_000) * 60_000).slice(0, 16).replace(':', '');
  return `shift-summary_${team}_${start}_${audience}.${format}`;
}
