// @types/pdfkit describes pdfkit 0.17; what export/pdf.ts uses of 0.20 beyond that.
declare namespace PDFKit.Mixins {
  interface StructureElementOptions {
    /** A table header cell's scope (PDF 1.7 Table attributes). */
    scope?: 'Row' | 'Column' | 'Both';
  }
}
