import type { Writable } from 'node:stream';
import { AUDIENCE_LABELS, type Audience } from '../shared/lib/disclosure';
import type { ExportFormat } from '../shared/lib/shift-export-formats';
import type { ShiftSummary, SummaryRecord } from '../shared/lib/shift-summary';
import { writeCsv } from './csv';

/*
 * The shift summary files (CSV, XLSX, PDF), written by the desk's core and by the central API from
 * the same inputs, so the same data gives the same bytes: every time and id inside a file comes
 * from the input (the summary's generatedAt), never from the clock, and nothing depends on the
 * machine's time zone or locale. Each writer streams to the Writable it is given; the contacts
 * are read once, one at a time, as their rows are written, so they may come straight from a
 * database cursor (the desk streams them from SQLite) instead of a list held in memory.
 */

export interface ShiftExportInput {
  summary: ShiftSummary;
  /**
   * The range's contacts in file order, as contactsOf gives them from the records the summary was
   * made from: read once, while the file is written. There are summary.contacts.total of them.
   */
  contacts: Iterable<SummaryRecord>;
  audience: Audience;
  team: { id: string; name: string };
  /** The person the file is made for, as the server names them. */
  generatedBy: string;
  appVersion: string;
  /** The newest change to the team's records that the figures include (server time); null: none. */
  recordsAsOf: string | null;
}

export interface ExportProgress {
  /** What is being written: 'contacts' rows, or the file's other 'sections'. */
  phase: 'contacts' | 'sections' | 'finishing';
  done: number;
  total: number;
}

export interface ExportOptions {
  onProgress?: (p: ExportProgress) => void;
  /** Stops the export between rows: the writer rejects with an AbortError and writes no more. */
  signal?: AbortSignal;
}

/** What a writer gets: the input with the time every "now" in the file is judged at. */
export interface PreparedExport extends ShiftExportInput {
  generatedAt: Date;
}

export function prepare(input: ShiftExportInput): PreparedExport {
  return { ...input, generatedAt: new Date(input.summary.generatedAt) };
}

/** Writes the file to `out` and ends it; rejects (leaving `out` to the caller) on failure or abort. */
export async function writeShiftExport(format: ExportFormat, input: ShiftExportInput, out: Writable, options: ExportOptions = {}): Promise<void> {
  const prepared = prepare(input);
  switch (format) {
    case 'csv':
      return writeCsv(prepared, out, options);
    // The XLSX and PDF writers (exceljs, archiver, pdfkit, fontkit and their data) are loaded the
    // first time a lead exports one, not when every clinician's desk starts: evaluated at start
    // they were most of the core's bundle and part of its resident memory.
    case 'xlsx':
      return (await import('./xlsx')).writeXlsx(prepared, out, options);
    case 'pdf':
      return (await import('./pdf')).writePdf(prepared, out, options);
  }
}

/** Throws the signal's reason (an AbortError) when the export was cancelled. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('The export was cancelled.', 'AbortError');
}

/** Lets streams drain and timers run every so many rows, so a long export neither hogs the loop nor buffers. */
export const YIELD_EVERY_ROWS = 500;
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function audienceTitle(audience: Audience): string {
  return AUDIENCE_LABELS[audience];
}
