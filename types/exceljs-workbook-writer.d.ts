// exceljs's streaming writer on its own: importing the package root bundles its readers too (unzipper,
// and through it `binary`, `buffers` and `chainsaw`, which declare no licence) into the desk's core.
declare module 'exceljs/lib/stream/xlsx/workbook-writer.js' {
  import type ExcelJS from 'exceljs';
  const WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter;
  export default WorkbookWriter;
}
