import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, type Font } from 'fontkit';

/*
 * The PDF embeds its fonts (a tagged, accessible PDF must: a reader cannot map glyphs of a font it
 * does not have): DejaVu Sans, from the dejavu-fonts-ttf package (free licence, in its README).
 * The desktop build copies the two files beside the core's bundle (scripts/build-desktop.ts), where
 * node_modules is not shipped; under Node they are read from the package.
 */

export const FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;
export type FontName = keyof typeof FONT_FILES;

const cache = new Map<FontName, Buffer>();
const parsed = new Map<FontName, Font>();

function candidates(file: string): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = [path.join(here, 'fonts', file)];
  try {
    out.push(createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`));
  } catch {
    // Not installed (the desktop app): only the copy beside the bundle.
  }
  return out;
}

export function fontData(name: FontName): Buffer {
  const known = cache.get(name);
  if (known) return known;
  const file = candidates(FONT_FILES[name]).find((f) => existsSync(f));
  if (!file) throw new Error(`The PDF font ${FONT_FILES[name]} is missing from this installation: reinstall Crisis Desk.`);
  const data = readFileSync(file);
  cache.set(name, data);
  return data;
}

/**
 * The font parsed once per process and shared by every PDF: parsing DejaVu Sans's tables took
 * about 1.5 s of each document otherwise (measured with --cpu-prof on a 5-page handover), and its
 * glyph and layout caches carry over. pdfkit takes a parsed font as a font source and subsets it
 * per document, so documents do not affect each other.
 */
export function parsedFont(name: FontName): Font {
  let font = parsed.get(name);
  if (!font) parsed.set(name, (font = create(fontData(name))));
  return font;
}
