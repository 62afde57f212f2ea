// Only what the sync benchmark's peer uses (test/bench/pouch-*.ts). @types/pouchdb-core declares a
// global `interface Buffer` that breaks Node's own Buffer type across the whole project, so it is
// not installed.
declare module 'pouchdb-node' {
  namespace PouchDB {
    interface ReplicationResult {
      ok: boolean;
      docs_read: number;
      docs_written: number;
      doc_write_failures: number;
    }

    interface Database<Content extends object = Record<string, unknown>> {
      info(): Promise<{ db_name: string; doc_count: number; update_seq: number | string }>;
      get(id: string): Promise<Content & { _id: string; _rev: string }>;
      put(doc: Content & { _id: string; _rev?: string }): Promise<{ ok: boolean; id: string; rev: string }>;
      allDocs(options?: { limit?: number; include_docs?: boolean; keys?: string[] }): Promise<{ total_rows: number; rows: { id: string; doc?: Content }[] }>;
      replicate: {
        from(source: string | Database, options?: object): Promise<ReplicationResult>;
        to(target: string | Database, options?: object): Promise<ReplicationResult>;
      };
      close(): Promise<void>;
    }

    interface Static {
      new <Content extends object = Record<string, unknown>>(name: string, options?: object): Database<Content>;
      defaults(options: { prefix?: string }): Static;
    }
  }

  const PouchDB: PouchDB.Static;
  export default PouchDB;
}
