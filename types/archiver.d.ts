// Only what export/xlsx.ts touches: exceljs writes its zip through archiver, whose entry dates we fix.
declare module 'archiver' {
  const archiver: (format: 'zip', options?: object) => object;
  export default archiver;
}
