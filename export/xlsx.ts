import type { Writable } from 'node:stream';
import archiver from 'archiver';
import type ExcelJS from 'exceljs';
import WorkbookWriter from 'exceljs/lib/stream/xlsx/workbook-writer.js';
import { AUDIENCE_LABELS, AUDIENCE_RULES, shownCount } from '../shared/lib/disclosure';
import { completenessLine, figureSections, formatLondon, formatRange } from '../shared/lib/shift-figures';
import { contactColumnsFor, contactRow, londonIso, type ContactColumn, type ContactValue } from '../shared/lib/shift-contacts';
import { londonWallClock } from '../shared/lib/shift-summary';
import { checkAborted, YIELD_EVERY_ROWS, yieldToLoop, type ExportOptions, type PreparedExport } from './shift-export';

/*
 * The XLSX: Summary, Contacts, Referrals and Handover sheets, written with exceljs's streaming
 * writer (each row is committed and zipped as it is written, so a month of a trust's contacts does
 * not sit in memory). Numbers are number cells and times are date cells (London wall-clock time,
 * with the UTC offset in its own column so the hour repeated in October stays unambiguous);
 * header rows are frozen and filtered; document properties say what the file is and who it is for.
 *
 * Same bytes for the same data: the document's dates are the summary's generatedAt, and so are the
 * zip entries' dates (archiver would stamp each with the clock: see fixZipDates).
 */

const MARKING = 'OFFICIAL-SENSITIVE';
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDCE6F2' } };
const BOLD: Partial<ExcelJS.Font> = { bold: true };

// ------------------------------------------------------------------ deterministic zip entry dates

const FIXED_DATE = Symbol('crisis-desk.zipEntryDate');
let constructingWith: Date | null = null;
let patched = false;

/**
 * exceljs gives archiver no entry dates, so archiver stamps each with the clock. While a workbook
 * of ours is being built its archive carries a fixed date, and entries get that date instead.
 * Archives of anyone else are untouched.
 */
function fixZipDates(): void {
  if (patched) return;
  patched = true;
  const proto = Object.getPrototypeOf(archiver('zip')) as { append: (this: object, source: unknown, data: { date?: unknown }) => unknown };
  const append = proto.append;
  proto.append = function (this: object & { [FIXED_DATE]?: Date }, source, data) {
    const fixed = this[FIXED_DATE] ?? constructingWith;
    if (fixed && !this[FIXED_DATE]) this[FIXED_DATE] = fixed;
    return append.call(this, source, fixed && data && data.date === undefined ? { ...data, date: fixed } : data);
  };
}

function newWorkbook(out: Writable, date: Date): ExcelJS.stream.xlsx.WorkbookWriter {
  fixZipDates();
  constructingWith = date;
  try {
    // The constructor appends its first entries synchronously; the archive keeps the date after.
    return new WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  } finally {
    constructingWith = null;
  }
}

// ------------------------------------------------------------------ cells

/** A London wall-clock instant as the naive date Excel shows (Excel dates have no zone). */
function excelDate(ms: number): Date {
  const wall = londonIso(ms);
  return new Date(`${wall.slice(0, 19)}Z`);
}

function cellOf(column: ContactColumn, value: ContactValue): ExcelJS.CellValue {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  switch (column.kind) {
    case 'instant':
      return excelDate(value as number);
    case 'date':
      return new Date(`${value as string}T00:00:00Z`);
    case 'time': {
      const [h, m, s] = (value as string).split(':').map(Number) as [number, number, number];
      return (h * 3600 + m * 60 + s) / 86_400;
    }
    default:
      return value;
  }
}

// Formats tagged en-GB ([$-809]): untagged, a reader may swap a standard time format for its own
// locale's (LibreOffice in en-US shows 20:06 as 08:06 PM).
const FORMATS: Partial<Record<ContactColumn['kind'], string>> = { instant: '[$-809]yyyy-mm-dd hh:mm:ss', date: '[$-809]yyyy-mm-dd', time: '[$-809]hh:mm:ss', integer: '0' };
const DATE_TIME = '[$-809]yyyy-mm-dd hh:mm';

function headerRow(sheet: ExcelJS.Worksheet, headings: string[]): void {
  const row = sheet.addRow(headings);
  row.font = BOLD;
  // Tall enough for a wrapped heading of three lines (readers do not grow a row for wrapped text).
  row.height = 42;
  row.eachCell((c) => {
    c.fill = HEADER_FILL;
    c.alignment = { wrapText: true, vertical: 'top' };
  });
  row.commit();
}

/** The marking at the top and bottom of every printed page, and "Page x of y" (the title is on the sheet). */
function printSetup(sheet: ExcelJS.Worksheet): void {
  sheet.headerFooter = { oddHeader: `&C&B${MARKING}`, oddFooter: `&LCrisis Desk shift summary&C&B${MARKING}&RPage &P of &N` };
}

/** Printed landscape, as wide as the page: the contacts have 40-odd columns. */
const WIDE_PAGE: Partial<ExcelJS.PageSetup> = { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 };

// ------------------------------------------------------------------ the workbook

export async function writeXlsx(input: PreparedExport, out: Writable, options: ExportOptions): Promise<void> {
  const { summary, audience } = input;
  const reporting = audience === 'reporting';
  const title = `Shift summary: ${input.team.name}`;
  const finished = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  const wb = newWorkbook(out, input.generatedAt);
  wb.creator = `Crisis Desk ${input.appVersion}`;
  wb.lastModifiedBy = input.generatedBy;
  wb.created = input.generatedAt;
  wb.modified = input.generatedAt;
  wb.title = title;
  wb.subject = `${AUDIENCE_LABELS[audience]}: ${formatRange(summary.from, summary.to)}`;
  wb.keywords = `${MARKING}; ${audience}; shift summary; ${input.team.id}`;
  wb.category = MARKING;
  wb.description = `${AUDIENCE_RULES[audience]} ${completenessLine(summary)} Generated by ${input.generatedBy} on ${formatLondon(summary.generatedAt)} with Crisis Desk ${input.appVersion}.`;

  try {
    // Summary
    const s = wb.addWorksheet('Summary', { views: [{ state: 'frozen', ySplit: 9, showGridLines: false }] });
    s.columns = [{ width: 52 }, { width: 14 }, { width: 12, style: { numFmt: '0%' } }];
    printSetup(s);
    const line = (values: ExcelJS.CellValue[], font?: Partial<ExcelJS.Font>) => {
      const r = s.addRow(values);
      if (font) r.font = font;
      r.commit();
    };
    line([MARKING], { bold: true, color: { argb: 'FFB00020' } });
    line([title], { bold: true, size: 14 });
    line([`${AUDIENCE_LABELS[audience]}. ${AUDIENCE_RULES[audience]}`], { bold: true });
    // One cell each, so the text runs on across the empty cells beside it.
    line([`Shift: ${formatRange(summary.from, summary.to)}`]);
    line([`Generated: ${formatLondon(summary.generatedAt)} by ${input.generatedBy}`]);
    line([`Crisis Desk version: ${input.appVersion}`]);
    line([`Latest record change included: ${input.recordsAsOf ? formatLondon(input.recordsAsOf) : 'no records'}`]);
    line([completenessLine(summary)], summary.unsyncedDesks.length > 0 ? { bold: true, color: { argb: 'FFB00020' } } : undefined);
    line([]);
    for (const section of figureSections(summary, audience)) {
      line([section.title, 'Count', 'Share'], BOLD);
      for (const row of section.rows) line([row.label, row.count.value ?? row.count.text, row.share ? (row.share.value === null ? row.share.text : row.share.value / 100) : null]);
      if (section.note) line([section.note], { italic: true });
      line([]);
    }
    line(['Contacts by hour (London)', 'Contacts'], BOLD);
    for (const h of summary.contacts.byHour) {
      const shown = shownCount(h.contacts, audience);
      line([`${h.londonStart.slice(0, 10)} ${h.londonStart.slice(11, 16)} (UTC${h.londonStart.slice(16)})`, shown.value ?? shown.text]);
    }
    await s.commit();
    checkAborted(options.signal);

    // Contacts
    const { columns, indexes } = contactColumnsFor(audience);
    const c = wb.addWorksheet('Contacts', { views: [{ state: 'frozen', ySplit: 1 }], pageSetup: WIDE_PAGE });
    c.columns = columns.map((col) => ({ key: col.key, width: col.width, style: FORMATS[col.kind] ? { numFmt: FORMATS[col.kind] } : {} }));
    c.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
    printSetup(c);
    headerRow(c, columns.map((col) => col.heading));
    const total = summary.contacts.total;
    /*
     * One style object per column, shared by its cells: exceljs gives every cell a style object of
     * its own, and works out each one's style id from scratch unless it has seen that very object
     * (a third of a month's XLSX CPU, 1.3 of 4.8 s, measured). A column without a number format
     * shares one per cell type, since exceljs picks the format of such a cell by its type.
     */
    const shared = columns.map((col) => (FORMATS[col.kind] ? ({ numFmt: FORMATS[col.kind] } as Partial<ExcelJS.Style>) : null));
    const plain: Partial<Record<ExcelJS.ValueType, Partial<ExcelJS.Style>>> = {};
    options.onProgress?.({ phase: 'contacts', done: 0, total });
    let i = 0;
    for (const contact of input.contacts) {
      if (i % YIELD_EVERY_ROWS === 0 && i > 0) {
        checkAborted(options.signal);
        options.onProgress?.({ phase: 'contacts', done: i, total });
        await yieldToLoop();
      }
      i++;
      const values = contactRow(contact, audience, input.generatedAt);
      const row = c.addRow(indexes.map((ci, k) => cellOf(columns[k]!, values[ci]!)));
      row.eachCell((cell, col) => {
        cell.style = shared[col - 1] ?? (plain[cell.type] ??= {});
      });
      row.commit();
    }
    options.onProgress?.({ phase: 'contacts', done: i, total });
    await c.commit();
    checkAborted(options.signal);

    // Referrals
    const r = wb.addWorksheet('Referrals', { views: [{ state: 'frozen', ySplit: 1 }] });
    r.columns = [{ width: 44 }, { width: 36 }, { width: 12 }, { width: 40 }];
    r.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 4 } };
    printSetup(r);
    headerRow(r, ['Service (as the directory names it)', 'Service type', 'Referrals', 'Directory id']);
    for (const t of summary.referrals.byServiceType) {
      const shown = shownCount(t.count, audience);
      r.addRow([`All ${t.label.toLowerCase()} services`, t.serviceType, shown.value ?? shown.text, null]).commit();
    }
    for (const x of summary.referrals.byService) {
      const shown = shownCount(x.count, audience);
      r.addRow([x.serviceName, x.serviceType, shown.value ?? shown.text, x.serviceId]).commit();
    }
    const unlisted = shownCount(summary.referrals.notInDirectory, audience);
    r.addRow(['Services the directory does not list (not named)', null, unlisted.value ?? unlisted.text, null]).commit();
    await r.commit();

    // Handover
    const h = wb.addWorksheet('Handover', { views: [{ state: 'frozen', ySplit: 1 }] });
    printSetup(h);
    if (reporting) {
      h.columns = [{ width: 100 }];
      headerRow(h, ['Handover']);
      h.addRow(['The handover list (call references, due times and owners) is only in files for handover within the team.']).commit();
      const owed = shownCount(summary.handover.length, audience);
      h.addRow([`Callbacks still owed by the team: ${owed.text}`]).commit();
    } else {
      h.columns = [{ width: 26 }, { width: 14 }, { width: 22 }, { width: 12 }, { width: 16 }, { width: 30 }, { width: 22 }];
      h.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 7 } };
      headerRow(h, ['Item', 'Call reference', 'Due / oldest (London)', 'UTC offset', 'Status', 'Owner', 'Call started (London)']);
      const dated = (iso: string | null) => (iso === null ? null : excelDate(Date.parse(iso)));
      const offset = (iso: string | null) => (iso === null ? null : `UTC${londonWallClock(Math.floor(Date.parse(iso) / 60_000) * 60_000).slice(16)}`);
      for (const item of summary.handover) {
        const row = h.addRow([
          'Callback to make', item.reference, dated(item.dueAt), offset(item.dueAt),
          item.dueAt === null ? 'no time set' : item.overdue ? 'overdue' : item.carriedOver ? 'carried over' : 'due', item.owner?.name ?? 'not yet on the server', dated(item.startedAt),
        ]);
        row.getCell(3).numFmt = DATE_TIME;
        row.getCell(7).numFmt = DATE_TIME;
        row.commit();
      }
      for (const d of summary.draftsAtEnd.byOwner) {
        const row = h.addRow([`Records left in draft: ${d.count} (${d.stillDraft} still in draft)`, null, dated(d.oldestStartedAt), offset(d.oldestStartedAt), 'draft', d.owner?.name ?? 'not yet on the server', null]);
        row.getCell(3).numFmt = DATE_TIME;
        row.commit();
      }
      for (const d of summary.unsyncedDesks) {
        const row = h.addRow([`Desk with ${d.pending} change${d.pending === 1 ? '' : 's'} not on the server`, d.clientId.slice(-8), dated(d.lastSeenAt), offset(d.lastSeenAt), 'last seen', d.user?.name ?? 'unknown', null]);
        row.getCell(3).numFmt = DATE_TIME;
        row.commit();
      }
      for (const p of summary.offlinePeriods) {
        const row = h.addRow([`Offline ${formatLondon(p.from)} to ${p.ongoing ? 'now' : formatLondon(p.to)}`, p.clientId.slice(-8), dated(p.from), offset(p.from), p.ongoing ? 'still offline' : 'offline period', p.user?.name ?? 'unknown', null]);
        row.getCell(3).numFmt = DATE_TIME;
        row.commit();
      }
    }
    await h.commit();
    checkAborted(options.signal);
    options.onProgress?.({ phase: 'finishing', done: 0, total: 1 });
    await wb.commit();
    await finished;
    options.onProgress?.({ phase: 'finishing', done: 1, total: 1 });
  } catch (e) {
    out.destroy();
    throw e;
  }
}
