import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
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

export async function writeCsv(input: PreparedExport, out: Writable, options: ExportOptions): Promise<void> {
  const { columns, indexes } = contactColumnsFor(input.audience);
  const behind = String(input.summary.unsyncedDesks.length);
  const stringifier = stringify({ record_delimiter: 'windows', quoted_match: /[",\r\n]/ });
  const done = new Promise<void>((resolve, reject) => {
    stringifier.on('error', reject);
    out.on('error', reject);
    out.on('finish', resolve);
  });
  stringifier.pipe(out);
  out.write(BOM);
  const write = async (row: string[]) => {
    if (!stringifier.write(row)) await once(stringifier, 'drain');
  };
  try {
    await write(['audience', 'desks_behind', ...columns.map((c) => c.key)]);
    const total = input.summary.contacts.total;
    options.onProgress?.({ phase: 'contacts', done: 0, total });
    let i = 0;
    for (const contact of input.contacts) {
      if (i % YIELD_EVERY_ROWS === 0 && i > 0) {
        checkAborted(options.signal);
        options.onProgress?.({ phase: 'contacts', done: i, total });
        await yieldToLoop();
      }
      i++;
      const values = contactRow(contact, input.audience, input.generatedAt);
      await write([input.audience, behind, ...indexes.map((ci, k) => csvText(columns[k]!, values[ci]!))]);
    }
    checkAborted(options.signal);
    options.onProgress?.({ phase: 'contacts', done: i, total });
    stringifier.end();
    await done;
  } catch (e) {
    stringifier.unpipe(out);
    stringifier.destroy();
    throw e;
  }
}
