/** One step of the server schema: applied once, in its own place in the order, and recorded in schema_migrations. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
