/*
 * Independent readers of the files the exports make, for tests: the XLSX unzipped (fflate) and read
 * by LibreOffice Calc (Debian's, headless, each sheet converted to CSV), the PDF read by poppler's
 * pdfinfo and pdftotext. None of them shares code with the writers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { parse } from 'csv-parse/sync';

function inTempDir<T>(prefix: string, run: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every entry of the XLSX (a zip), as text. */
export function xlsxEntries(file: Uint8Array): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(file)).map(([name, data]) => [name, strFromU8(data)]));
}

/** Each sheet of the workbook as LibreOffice reads it, converted to CSV rows (values as shown). */
export function libreOfficeSheets(file: Uint8Array): Record<string, string[][]> {
  return inTempDir('crisis-desk-lo-', (dir) => {
    writeFileSync(path.join(dir, 'book.xlsx'), file);
    // Its own profile, so a desktop LibreOffice (or another test) never locks this one; token 12 = -1: every sheet to its own file.
    execFileSync('soffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1', '--outdir', dir, path.join(dir, 'book.xlsx')], { stdio: 'pipe', timeout: 120_000 });
    const sheets: Record<string, string[][]> = {};
    for (const name of readdirSync(dir)) {
      const m = /^book-(.+)\.csv$/.exec(name);
      if (m) sheets[m[1]!] = parse(readFileSync(path.join(dir, name), 'utf8'), { relaxColumnCount: true }) as string[][];
    }
    return sheets;
  });
}

/** pdfinfo's fields (Title, Tagged, Pages, …). */
export function pdfInfo(file: Uint8Array): Record<string, string> {
  return inTempDir('crisis-desk-pdf-', (dir) => {
    writeFileSync(path.join(dir, 'doc.pdf'), file);
    const out = execFileSync('pdfinfo', [path.join(dir, 'doc.pdf')], { encoding: 'utf8' });
    return Object.fromEntries(out.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
  });
}

/** The PDF's text as pdftotext extracts it (reading order, not the page layout). */
export function pdfText(file: Uint8Array): string {
  return inTempDir('crisis-desk-pdf-', (dir) => {
    writeFileSync(path.join(dir, 'doc.pdf'), file);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'doc.pdf'), '-'], { encoding: 'utf8' });
  });
}

/** The PDF's structure tree as pdfinfo -struct prints it (empty for an untagged PDF). */
export function pdfStructure(file: Uint8Array): string {
  return inTempDir('crisis-desk-pdf-', (dir) => {
    writeFileSync(path.join(dir, 'doc.pdf'), file);
    return execFileSync('pdfinfo', ['-struct-text', path.join(dir, 'doc.pdf')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  });
}
