import path from 'node:path';
import type { Envelope, ExportResult, ParsedParamsOf } from '../../shared/contract';
import { exportFileName, type ExportFormat } from '../../shared/lib/shift-export-formats';

/*
 * app.saveExport in the desktop app: the person chooses where the shift summary file goes in the
 * system's save dialog, and main hands that place to the core, which checks the request (schema,
 * role) and writes the file itself, as it does for summaries.export from the screen. Main never
 * reads the records or the file: it only knows the path. The core's progress events reach the
 * screen over its own port, as for any export; a cancelled dialog writes nothing.
 */

export type SaveExportRequest = ParsedParamsOf<'app.saveExport'>;

export interface SaveExportDeps {
  /** The save dialog: the chosen path, or null when the person cancelled it. */
  chooseFile(suggestedName: string, format: ExportFormat): Promise<string | null>;
  /** The core writes the export to this path (the export-to-path lifecycle message). */
  exportToPath(params: SaveExportRequest & { path: string }): Promise<Envelope<unknown>>;
}

export const SAVE_DIALOG_FILTERS: Record<ExportFormat, { name: string; extensions: string[] }> = {
  csv: { name: 'CSV (comma-separated values)', extensions: ['csv'] },
  xlsx: { name: 'Excel workbook', extensions: ['xlsx'] },
  pdf: { name: 'PDF document', extensions: ['pdf'] },
};

/** The chosen path with the format's extension (a save dialog may give a name without it). */
export function withExtension(file: string, format: ExportFormat): string {
  return path.extname(file).toLowerCase() === `.${format}` ? file : `${file}.${format}`;
}

export async function saveExport(params: SaveExportRequest, deps: SaveExportDeps): Promise<Envelope<ExportResult | null>> {
  let chosen: string | null;
  try {
    chosen = await deps.chooseFile(exportFileName(params.teamId, params.from, params.audience, params.format), params.format);
  } catch {
    return { ok: false, error: { code: 'export_failed', message: 'The save dialog could not be opened. Try again; tell IT if it keeps happening.' } };
  }
  if (chosen === null) return { ok: true, value: null };
  return (await deps.exportToPath({ ...params, path: withExtension(chosen, params.format) })) as Envelope<ExportResult>;
}
