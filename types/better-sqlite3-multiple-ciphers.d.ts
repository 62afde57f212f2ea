// The package ships its own index.d.ts but its "exports" map hides it from TypeScript. Its API is
// better-sqlite3's (we set keys with PRAGMAs), so borrow those types.
declare module 'better-sqlite3-multiple-ciphers' {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the only way to re-export an 'export =' module
  import Database = require('better-sqlite3');
  export = Database;
}
