import type Database from 'better-sqlite3-multiple-ciphers';

/**
 * A table's statements, prepared the first time a connection asks for them and kept with that
 * connection: every class that writes the table uses the same statement objects instead of
 * preparing its own copy of the same SQL (desk.db has one writing connection; an export's read-only
 * connection gets statements of its own).
 */
export function preparedPerConnection<T>(prepare: (db: Database.Database) => T): (db: Database.Database) => T {
  const byConnection = new WeakMap<Database.Database, T>();
  return (db) => {
    let statements = byConnection.get(db);
    if (!statements) {
      statements = prepare(db);
      byConnection.set(db, statements);
    }
    return statements;
  };
}
