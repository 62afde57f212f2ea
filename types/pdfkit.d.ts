// @types/pdfkit describes pdfkit 0.17; what export/pdf.ts uses of 0.20 beyond that.
declare namespace PDFKit.Mixins {
  interface StructureElementOptions {
    /** A table header cell's scope (PDF 1.7 Table attributes). */
    scope?: 'Row' | 'Column' | 'Both';
  }
}

// fontkit ships no types; export/fonts.ts only parses a font once and hands it to pdfkit, which accepts a fontkit font as a font source.
declare module 'fontkit' {
  export interface Font {
    layout(text: string): unknown;
    postscriptName: string;
  }
  export function create(data: Uint8Array): Font;
}
