import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify, type Options } from 'csv-stringify/sync';
import type { Audience } from '../shared/lib/disclosure';
import type { SummaryRecord } from '../shared/lib/shift-summary';
import { contactColumnsFor, contactRow, londonIso, type ContactColumn, type ContactValue } from '../shared/lib/shift-contacts';
import { checkAborted, YIELD_EVERY_ROWS, yieldToLoop, type ExportOptions, type PreparedExport } from './shift-export';

/*
 * The CSV: one row per contact, columns in the fixed order of docs/exports.md (two leading columns
 * say who the file is for and how many desks were behind, on every row, so a row copied elsewhere
 * still says so). UTF-8 with a byte order mark (Excel then reads it as UTF-8), CRLF line ends
 * (RFC 4180), and any text cell that a spreadsheet could take for a formula prefixed with an
 * apostrophe (OWASP's CSV injection advice), although no cell holds typed text.
 */

const BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

/** A value as CSV text. Instants as London time with offset; flags Y/N; nothing as empty. */
export function csvText(column: ContactColumn, value: ContactValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  if (column.kind === 'instant' && typeof value === 'number') return londonIso(value);
  return escapeFormula(String(value));
}

export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** What the CSV needs: it prints no figures, so a desk can make the summary while it writes the rows. */
export interface CsvContacts {
  audience: Audience;
  /** Desks of the team with changes not yet on the server (the summary's unsyncedDesks). */
  desksBehind: number;
  /** The range's contacts in file order. */
  contacts: Iterable<SummaryRecord>;
  /** How many there are, or an upper bound, for progress. */
  total: number;
  generatedAt: Date;
}

// Rows are turned into text a batch at a time (csv-stringify's synchronous API) rather than
// written one by one into its stream: the stream's per-row machinery was a fifth of the CSV's CPU
// time for a month of a trust (docs/benchmarks.md).
const STRINGIFY: Options = { record_delimiter: 'windows', quoted_match: /[",\r\n]/ };

export async function writeCsv(input: PreparedExport, out: Writable, options: ExportOptions): Promise<void> {
  return writeContactsCsv(
    { audience: input.audience, desksBehind: input.summary.unsyncedDesks.length, contacts: input.contacts, total: input.summary.contacts.total, generatedAt: input.generatedAt },
    out,
    options,
  );
}

export async function writeContactsCsv(input: CsvContacts, out: Writable, options: ExportOptions): Promise<void> {
  const { columns, indexes } = contactColumnsFor(input.audience);
  const behind = String(input.desksBehind);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  const batch: string[][] = [];
  try {
    await write(BOM + stringify([['audience', 'desks_behind', ...columns.map((c) => c.key)]], STRINGIFY));
    const total = input.total;
    options.onProgress?.({ phase: 'contacts', done: 0, total });
    // A cancel asked for as the rows start is honoured before any is written.
    await yieldToLoop();
    checkAborted(options.signal);
    let i = 0;
    for (const contact of input.contacts) {
      const values = contactRow(contact, input.audience, input.generatedAt);
      batch.push([input.audience, behind, ...indexes.map((ci, k) => csvText(columns[k]!, values[ci]!))]);
      if (++i % YIELD_EVERY_ROWS === 0) {
        await write(stringify(batch.splice(0), STRINGIFY));
        checkAborted(options.signal);
        options.onProgress?.({ phase: 'contacts', done: i, total });
        await yieldToLoop();
      }
    }
    if (batch.length > 0) await write(stringify(batch.splice(0), STRINGIFY));
    checkAborted(options.signal);
    options.onProgress?.({ phase: 'contacts', done: i, total: Math.max(total, i) });
    const finished = once(out, 'finish');
    out.end();
    await Promise.race([finished, failed]);
  } catch (e) {
    out.destroy();
    throw e;
  }
}
