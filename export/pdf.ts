import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { AUDIENCE_LABELS, AUDIENCE_RULES, shownCount, SUPPRESSED, type Audience } from '../shared/lib/disclosure';
import { completenessLine, figureSections, formatLondon, formatLondonShort, formatRange } from '../shared/lib/shift-figures';
import type { ShiftSummary } from '../shared/lib/shift-summary';
import { parsedFont } from './fonts';
import { checkAborted, type ExportOptions, type PreparedExport } from './shift-export';

/*
 * The handover document: A4, tagged (a structure tree of headings, paragraphs, tables with header
 * cells and a figure with alternative text; a title shown as the window title; language en-GB;
 * fonts embedded), so that a screen reader reads it and text extracts in reading order. Headers
 * and footers (the protective marking on every page, "Page x of y") are artifacts, outside the
 * structure. Content comes first, page numbers last: pages are kept until the end (bufferPages)
 * because "of y" is only known then; a handover document is a few pages, not the contacts.
 */

const MARKING = 'OFFICIAL-SENSITIVE';
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 64, bottom: 60, left: 50, right: 50 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const BOTTOM = PAGE.height - MARGIN.bottom;
const INK = '#1d1d1b';
const MUTED = '#4c6272';
const ALERT = '#b00020';
const BAR = '#005eb8';

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

/** Draws in reading order into a tagged document, breaking pages as it goes. */
class Layout {
  readonly root: Struct;

  constructor(readonly doc: Doc) {
    this.root = doc.struct('Document');
    doc.addStructure(this.root);
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = MARGIN.left;
    this.doc.y = MARGIN.top;
  }

  ensure(height: number): boolean {
    if (this.doc.y + height <= BOTTOM) return false;
    this.newPage();
    return true;
  }

  private textBlock(tag: string, text: string, font: 'Regular' | 'Bold', size: number, color = INK, gapAfter = 4): void {
    const { doc } = this;
    doc.font(font).fontSize(size);
    const h = doc.heightOfString(text, { width: CONTENT_WIDTH });
    this.ensure(h + (tag.startsWith('H') ? 60 : 0));
    const y = doc.y;
    this.root.add(doc.struct(tag, {}, () => doc.fillColor(color).text(text, MARGIN.left, y, { width: CONTENT_WIDTH })));
    doc.y = y + h + gapAfter;
  }

  heading(level: 1 | 2 | 3, text: string): void {
    if (level > 1) this.doc.y += level === 2 ? 10 : 4;
    this.textBlock(`H${level}`, text, 'Bold', level === 1 ? 17 : level === 2 ? 13 : 11, INK, level === 1 ? 6 : 4);
  }

  paragraph(text: string, options: { bold?: boolean; color?: string; size?: number } = {}): void {
    this.textBlock('P', text, options.bold ? 'Bold' : 'Regular', options.size ?? 9.5, options.color ?? INK);
  }

  /** A boxed notice (who the file is for; what it may lack). */
  notice(text: string, color: string): void {
    const { doc } = this;
    doc.font('Bold').fontSize(9.5);
    const h = doc.heightOfString(text, { width: CONTENT_WIDTH - 16 }) + 12;
    this.ensure(h + 6);
    const y = doc.y;
    doc.markContent('Artifact', { type: 'Layout' });
    doc.lineWidth(1.2).rect(MARGIN.left, y, CONTENT_WIDTH, h).strokeColor(color).stroke();
    doc.endMarkedContent();
    this.root.add(doc.struct('P', {}, () => doc.fillColor(color).text(text, MARGIN.left + 8, y + 6, { width: CONTENT_WIDTH - 16 })));
    doc.y = y + h + 8;
  }

  /** A table with a header row (repeated, as an artifact, on each page it continues onto). */
  /** rowHeaders: the first cell of each row names the row (a TH with Row scope). */
  table(columns: Column[], rows: string[][], options: { rowHeaders?: boolean } = {}): void {
    const { doc } = this;
    const table = doc.struct('Table');
    this.root.add(table);
    // Most cells fit on one line: measuring a width is far cheaper than wrapping, so wrap only when needed.
    const fits = (cell: string, i: number) => doc.widthOfString(cell || ' ') <= columns[i]!.width - 6;
    const heightOf = (cells: string[], font: 'Regular' | 'Bold') => {
      doc.font(font).fontSize(9);
      const line = doc.currentLineHeight(true);
      return Math.max(...cells.map((c, i) => (fits(c, i) ? line : doc.heightOfString(c || ' ', { width: columns[i]!.width - 6 })))) + 5;
    };
    const drawRow = (cells: string[], header: boolean, asArtifact: boolean, h: number) => {
      const y = doc.y;
      doc.markContent('Artifact', { type: 'Layout' });
      if (header) doc.rect(MARGIN.left, y, CONTENT_WIDTH, h).fillColor('#e8edee').fill();
      doc.moveTo(MARGIN.left, y + h).lineTo(MARGIN.left + CONTENT_WIDTH, y + h).lineWidth(0.4).strokeColor('#aeb7bd').stroke();
      doc.endMarkedContent();
      const tr = asArtifact ? null : doc.struct('TR');
      if (tr) table.add(tr);
      let x = MARGIN.left;
      cells.forEach((cell, i) => {
        const col = columns[i]!;
        const cellX = x;
        const draw = () => {
          doc.font(header ? 'Bold' : 'Regular').fontSize(9).fillColor(INK);
          doc.text(cell, cellX + 3, y + 3, { width: col.width - 6, align: col.align ?? 'left', lineBreak: !fits(cell, i) });
        };
        const rowHeader = !header && options.rowHeaders === true && i === 0;
        if (tr) tr.add(doc.struct(header || rowHeader ? 'TH' : 'TD', header ? { scope: 'Column' } : rowHeader ? { scope: 'Row' } : {}, draw));
        else {
          doc.markContent('Artifact', { type: 'Pagination' });
          draw();
          doc.endMarkedContent();
        }
        x += col.width;
      });
      doc.y = y + h;
    };
    const header = columns.map((c) => c.title);
    const headerHeight = heightOf(header, 'Bold');
    const heights = rows.map((row) => heightOf(row, 'Regular'));
    this.ensure(headerHeight + (heights[0] ?? 0));
    drawRow(header, true, false, headerHeight);
    rows.forEach((row, k) => {
      if (this.ensure(heights[k]!)) drawRow(header, true, true, headerHeight);
      drawRow(row, false, false, heights[k]!);
    });
    table.end();
    doc.y += 6;
  }

  /** The contacts-by-hour bar chart, a Figure whose alternative text gives every bar's value. */
  chart(s: ShiftSummary, audience: Audience): void {
    const { doc } = this;
    const hours = s.contacts.byHour;
    const shown = hours.map((h) => shownCount(h.contacts, audience));
    const alt = `Bar chart of contacts by hour (London time): ${hours.map((h, i) => `${h.londonStart.slice(11, 16)} ${h.londonStart.endsWith('+01:00') ? 'BST' : 'GMT'} ${shown[i]!.text}`).join(', ')}.`;
    const height = 150;
    const labelBand = 30;
    this.ensure(height + labelBand + 10);
    const top = doc.y + 4;
    const left = MARGIN.left + 28;
    const width = CONTENT_WIDTH - 28;
    const max = Math.max(1, ...shown.map((c) => c.value ?? 0));
    const step = niceStep(max);
    const scaleMax = Math.ceil(max / step) * step;
    const barSlot = width / Math.max(1, hours.length);
    const zones = new Set(hours.map((h) => (h.londonStart.endsWith('+01:00') ? 'BST' : 'GMT')));
    const mixedZones = zones.size > 1;
    this.root.add(
      doc.struct('Figure', { alt }, () => {
        doc.lineWidth(0.4).strokeColor('#aeb7bd');
        doc.font('Regular').fontSize(7).fillColor(MUTED);
        for (let v = 0; v <= scaleMax; v += step) {
          const y = top + height - (v / scaleMax) * height;
          doc.moveTo(left, y).lineTo(left + width, y).stroke();
          doc.text(String(v), MARGIN.left, y - 3.5, { width: 24, align: 'right', lineBreak: false });
        }
        hours.forEach((h, i) => {
          const c = shown[i]!;
          const x = left + i * barSlot + barSlot * 0.15;
          const w = barSlot * 0.7;
          const v = c.value ?? 0;
          const barH = (v / scaleMax) * height;
          if (barH > 0) doc.rect(x, top + height - barH, w, barH).fillColor(BAR).fill();
          doc.font('Regular').fontSize(6.5).fillColor(INK).text(c.text, x - 4, top + height - barH - 9, { width: w + 8, align: 'center', lineBreak: false });
          if (hours.length <= 14 || i % 2 === 0) {
            doc.fontSize(6.5).fillColor(MUTED).text(h.londonStart.slice(11, 16), x - 8, top + height + 4, { width: w + 16, align: 'center', lineBreak: false });
            if (mixedZones) doc.text(h.londonStart.endsWith('+01:00') ? 'BST' : 'GMT', x - 8, top + height + 12, { width: w + 16, align: 'center', lineBreak: false });
          }
        });
      }),
    );
    doc.y = top + height + labelBand;
    this.paragraph(
      `Hours are London clock hours${mixedZones ? '; the clocks changed during this shift, so each hour is marked BST or GMT' : ` (${[...zones][0] ?? 'GMT'})`}.${audience === 'reporting' ? ` * is a count of 1 to 4.` : ''}`,
      { color: MUTED, size: 8 },
    );
  }
}

function niceStep(max: number): number {
  for (const step of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000]) if (max / step <= 6) return step;
  return Math.ceil(max / 6 / 1000) * 1000;
}

/** Headers and footers on every page, as artifacts: the marking, the title, "Page x of y". */
function decoratePages(doc: Doc, title: string, appVersion: string): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    const margins = doc.page.margins;
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    doc.markContent('Artifact', { type: 'Pagination' });
    doc.font('Bold').fontSize(10).fillColor(ALERT).text(MARKING, 0, 26, { width: PAGE.width, align: 'center', lineBreak: false });
    doc.text(MARKING, 0, PAGE.height - 30, { width: PAGE.width, align: 'center', lineBreak: false });
    doc.font('Regular').fontSize(7.5).fillColor(MUTED);
    doc.text(`${title} · Crisis Desk ${appVersion}`, MARGIN.left, PAGE.height - 44, { width: 330, lineBreak: false });
    doc.text(`Page ${i - start + 1} of ${count}`, PAGE.width - MARGIN.right - 100, PAGE.height - 44, { width: 100, align: 'right', lineBreak: false });
    doc.endMarkedContent();
    doc.page.margins = margins;
  }
}

export async function writePdf(input: PreparedExport, out: Writable, options: ExportOptions): Promise<void> {
  const { summary: s, audience } = input;
  const reporting = audience === 'reporting';
  const title = reporting ? `Shift summary: ${input.team.name}` : `Shift handover: ${input.team.name}`;
  // Typed loosely once: @types/pdfkit (0.17) predates the PDF/UA subset and font buffers of pdfkit 0.20.
  const documentOptions = {
    size: 'A4',
    margins: MARGIN,
    autoFirstPage: false,
    bufferPages: true,
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    pdfVersion: '1.7',
    subset: 'PDF/UA',
    font: parsedFont('regular'),
    info: {
      Title: title,
      Author: input.generatedBy,
      Subject: `${AUDIENCE_LABELS[audience]}. ${MARKING}.`,
      Keywords: `${MARKING}; ${audience}; shift summary; ${input.team.id}`,
      Creator: `Crisis Desk ${input.appVersion}`,
      Producer: `Crisis Desk ${input.appVersion} (PDFKit)`,
      CreationDate: input.generatedAt,
      ModDate: input.generatedAt,
    },
  } as unknown as PDFKit.PDFDocumentOptions;
  const doc = new PDFDocument(documentOptions);
  doc.registerFont('Regular', parsedFont('regular') as never);
  doc.registerFont('Bold', parsedFont('bold') as never);
  const finished = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    doc.on('error', reject);
  });
  doc.pipe(out);
  try {
    const sections: (() => void)[] = [];
    const l = new Layout(doc);
    l.newPage();
    const count = (n: number) => shownCount(n, audience).text;
    sections.push(() => {
      l.heading(1, title);
      l.notice(`${AUDIENCE_LABELS[audience]}. ${AUDIENCE_RULES[audience]}`, reporting ? MUTED : INK);
      l.table(
        [{ title: 'About this document', width: 150 }, { title: 'Detail', width: CONTENT_WIDTH - 150 }],
        [
          ['Team', input.team.name],
          ['Shift', formatRange(s.from, s.to)],
          ['Generated', `${formatLondon(s.generatedAt)} by ${input.generatedBy}`],
          ['Crisis Desk version', input.appVersion],
          ['Latest record change included', input.recordsAsOf ? formatLondon(input.recordsAsOf) : 'No records'],
          ['Protective marking', MARKING],
        ],
        { rowHeaders: true },
      );
      if (s.unsyncedDesks.length > 0) l.notice(completenessLine(s), ALERT);
      else l.paragraph(completenessLine(s), { color: MUTED, size: 8.5 });
    });
    sections.push(() => {
      l.heading(2, 'At a glance');
      const median = s.handlingTime.medianSeconds;
      l.table(
        [{ title: 'Figure', width: 330 }, { title: 'Value', width: CONTENT_WIDTH - 330, align: 'right' }],
        [
          ['Calls in the shift', count(s.contacts.total)],
          ['Callbacks still owed by the team', count(s.handover.length)],
          ['Of which overdue', count(s.handover.filter((h) => h.overdue).length)],
          ['Records left in draft at the end of the shift', count(s.draftsAtEnd.total)],
          ['Calls with an emergency intervention', count(s.escalations.emergencyInterventions)],
          ['Median handling time', reporting && s.handlingTime.measured > 0 && s.handlingTime.measured < 5 ? SUPPRESSED : median === null ? '–' : `${Math.floor(median / 60)} min ${String(median % 60).padStart(2, '0')} s`],
        ],
      );
    });
    sections.push(() => {
      l.heading(2, 'Callbacks to hand over');
      if (reporting) {
        l.paragraph(`The list of callbacks (call references, due times and owners) is only in documents for handover within the team. Callbacks still owed: ${count(s.handover.length)}.`);
      } else if (s.handover.length === 0) {
        l.paragraph('No callbacks are owed.');
      } else {
        l.paragraph('Every callback the team still owes, whichever shift took the call; soonest due first.', { color: MUTED, size: 8.5 });
        l.table(
          [{ title: 'Call reference', width: 72 }, { title: 'Due', width: 118 }, { title: 'Status', width: 100 }, { title: 'Owner', width: 110 }, { title: 'Call started', width: CONTENT_WIDTH - 400 }],
          s.handover.map((h) => [
            h.reference,
            h.dueAt === null ? 'No time set' : formatLondon(h.dueAt, { year: false }),
            h.dueAt === null ? 'No time set' : h.overdue ? 'OVERDUE' : h.carriedOver ? 'Due (earlier shift)' : 'Due',
            h.owner?.name ?? 'Not yet on the server',
            formatLondonShort(h.startedAt, s.from),
          ]),
        );
      }
    });
    sections.push(() => {
      l.heading(2, 'Left open at the end of the shift');
      if (reporting) {
        l.paragraph(`Records left in draft: ${count(s.draftsAtEnd.total)}. Desks with changes not yet on the server: ${s.unsyncedDesks.length}. Directory problems reported: ${count(s.directoryProblems.reported)}.`);
        return;
      }
      l.heading(3, 'Records left in draft');
      if (s.draftsAtEnd.byOwner.length === 0) l.paragraph('None.');
      else
        l.table(
          [{ title: 'Owner', width: 190 }, { title: 'Left in draft', width: 80, align: 'right' }, { title: 'Still in draft now', width: 90, align: 'right' }, { title: 'Oldest started', width: CONTENT_WIDTH - 360 }],
          s.draftsAtEnd.byOwner.map((d) => [d.owner?.name ?? 'Not yet on the server', String(d.count), String(d.stillDraft), formatLondon(d.oldestStartedAt, { year: false })]),
        );
      l.heading(3, 'Desks that have not synced');
      if (s.unsyncedDesks.length === 0) l.paragraph('None: every desk of the team had sent its changes.');
      else
        l.table(
          [{ title: 'Desk', width: 80 }, { title: 'Used by', width: 150 }, { title: 'Changes waiting', width: 90, align: 'right' }, { title: 'Last seen', width: CONTENT_WIDTH - 320 }],
          s.unsyncedDesks.map((d) => [`…${d.clientId.slice(-8)}`, d.user?.name ?? 'Unknown', String(d.pending), d.lastSeenAt ? formatLondon(d.lastSeenAt, { year: false }) : 'Never']),
        );
      l.heading(3, 'Offline periods');
      if (s.offlinePeriods.length === 0) l.paragraph('None seen by the server in this shift.');
      else
        l.table(
          [{ title: 'Desk', width: 80 }, { title: 'Used by', width: 130 }, { title: 'From', width: 140 }, { title: 'To', width: CONTENT_WIDTH - 350 }],
          s.offlinePeriods.map((p) => [`…${p.clientId.slice(-8)}`, p.user?.name ?? 'Unknown', formatLondon(p.from, { year: false }), p.ongoing ? 'Still offline' : formatLondon(p.to, { year: false })]),
        );
      l.heading(3, 'Directory problems reported');
      l.paragraph(
        s.directoryProblems.reported === 0
          ? 'None reported in this shift.'
          : `${s.directoryProblems.reported} reported: ${s.directoryProblems.byKind.map((k) => `${k.kind.replace(/_/g, ' ')} ${k.count}`).join(', ')}.`,
      );
    });
    sections.push(() => {
      l.heading(2, 'Contacts by hour');
      l.chart(s, audience);
    });
    sections.push(() => {
      l.heading(2, 'Figures');
      for (const section of figureSections(s, audience)) {
        l.heading(3, section.title);
        if (section.note) l.paragraph(section.note, { color: MUTED, size: 8.5 });
        l.table(
          [{ title: section.title, width: 330 }, { title: 'Count', width: 80, align: 'right' }, { title: 'Share', width: CONTENT_WIDTH - 410, align: 'right' }],
          section.rows.map((r) => [r.label, r.count.text, r.share?.text ?? '']),
        );
      }
      if (s.referrals.byService.length > 0) {
        l.heading(3, 'Referrals by named service');
        l.table(
          [{ title: 'Service (as the directory names it)', width: 330 }, { title: 'Type', width: 95 }, { title: 'Referrals', width: CONTENT_WIDTH - 425, align: 'right' }],
          s.referrals.byService.map((x) => [x.serviceName, x.serviceType.replace(/_/g, ' '), count(x.count)]),
        );
      }
    });
    sections.forEach((draw, i) => {
      checkAborted(options.signal);
      options.onProgress?.({ phase: 'sections', done: i, total: sections.length });
      draw();
    });
    l.root.end();
    decoratePages(doc, title, input.appVersion);
    options.onProgress?.({ phase: 'finishing', done: 0, total: 1 });
    doc.end();
    await finished;
    options.onProgress?.({ phase: 'finishing', done: 1, total: 1 });
  } catch (e) {
    doc.unpipe(out);
    out.destroy();
    throw e;
  }
}
