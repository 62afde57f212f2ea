import { SERVICE_TYPES, type ServiceType } from '../../../shared/domain/service-types';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { CoreError, type DirectoryInfo, type OpenState, type PostcodePlace, type SearchOrigin, type SearchParams, type SearchResult } from '../../../shared/contract';
import type { DirectoryService } from '../../../shared/domain/directory';
import { DIRECTORY_SCHEMA, DIRECTORY_SCHEMA_VERSION, META_KEYS } from '../../../shared/directory/schema';
import { canUpgradeDirectory, upgradeDirectorySchema } from '../../../shared/directory/snapshot';
import { DirectoryWriter, ftsTextOf, readServices } from '../../../shared/directory/store';
import { FtsVocabulary } from './fts-vocabulary';
import type { DirectoryChangeLine } from '../../../shared/sync/protocol';
import type { BankHolidayCalendar } from '../../../shared/lib/bank-holidays';
import { londonMomentOf } from '../../../shared/lib/calendar';
import { dataAge, DirectorySearch } from './directory-search';
import type { PostcodeLookup } from '../../../shared/lib/postcode-centroids';
import { SearchIndex } from './search-index';
import { removeDurableLeftovers } from '../../node/durable-file';
import { directoryKeyOf, indexFileOf, readIndexFacts, writeIndexFacts } from './search-index-file';
import { WordMatchSets } from './word-match-sets';

/**
 * directory.db: the desk's read-only copy of the published directory. Public data, so it is not
 * encrypted (a snapshot is used exactly as the server built it, verified by its sha256). It is
 * replaced whole on bootstrap, so nothing the clinician writes ever lives here.
 */
/** A put or del line of the changes feed. */
export type DirectoryChange = Exclude<DirectoryChangeLine, { op: 'end' }>;

export function createEmptyDirectory(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.exec(DIRECTORY_SCHEMA);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(META_KEYS.schemaVersion, String(DIRECTORY_SCHEMA_VERSION));
    })();
  } finally {
    db.close();
  }
}

export function readMeta(db: Database.Database): Map<string, string> {
  return new Map((db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][]));
}

/**
 * Pages FTS5 writes per step of the merges held out of a catch-up (DirectoryDb.mergeFtsStep): 10–19 ms
 * a step at 100,000 services (load average 4–11); the steps of a merge into the snapshot's large
 * segment up to 88 ms (256 pages: up to 144 ms). A search that arrives during a step waits for it.
 */
const FTS_MERGE_STEP_PAGES = 64;
/** The pause before and between the steps of the work a catch-up leaves for after it (tidySoon). */
const TIDY_PAUSE_MS = 50;

export class DirectoryDb {
  private index: SearchIndex;
  private searcher: DirectorySearch;
  private readonly vocabulary: FtsVocabulary;
  /** Readable for the tests that hold its sets to FTS5's answer after catch-ups. */
  readonly wordSets: WordMatchSets;

  /**
   * The state of directory.db (search-index-file.ts) that the in-memory index is known to hold,
   * null when unknown; and the state the index file beside it was written for.
   */
  private indexKey: string | null;
  private keptKey: string | null = null;

  private constructor(
    readonly db: Database.Database,
    private readonly postcodes: PostcodeLookup,
    private readonly calendar: BankHolidayCalendar,
    private readonly file: string,
  ) {
    this.vocabulary = new FtsVocabulary(db);
    // The index as kept by the last start when the directory has not changed since (a file read,
    // tens of ms), else built from the rows (300–440 ms at 100,000 services, 7 December).
    this.indexKey = this.keyNow();
    const kept = this.indexKey === null ? null : readIndexFacts(indexFileOf(file), this.indexKey);
    if (kept) this.keptKey = this.indexKey;
    // What a desk killed while keeping its index left (11 MB a file at 100,000 services).
    else removeDurableLeftovers(indexFileOf(file));
    this.index = kept ? SearchIndex.restore(db, kept) : SearchIndex.build(db);
    this.wordSets = new WordMatchSets(db, this.vocabulary, this.index);
    this.searcher = new DirectorySearch(db, this.index, { vocabulary: this.vocabulary, wordSets: this.wordSets });
  }

  private keyNow(): string | null {
    return directoryKeyOf(this.file, readMeta(this.db));
  }

  /**
   * Runs a write of this object's own to directory.db, after which the in-memory index is in step
   * with the file again (a catch-up refreshes it; the rest leave the services alone): if the
   * index held the file's state before, it holds the new one.
   */
  private ownWrite<T>(write: () => T): T {
    const inStep = this.beginOwnWrite();
    const result = write();
    this.endOwnWrite(inStep);
    return result;
  }

  /** Whether the index holds the file's state before a write; until endOwnWrite it is taken not to (a write that throws leaves it so). */
  private beginOwnWrite(): boolean {
    const inStep = this.indexKey !== null && this.indexKey === this.keyNow();
    this.indexKey = null;
    return inStep;
  }

  private endOwnWrite(inStep: boolean): void {
    if (inStep) this.indexKey = this.keyNow();
  }

  /**
   * Keeps the index for the next start when it holds the file's current state and is not kept
   * already. Best effort (search-index-file.ts): a failure means the next start builds it.
   */
  private keepIndex(key: string | null): void {
    if (key === null || key !== this.indexKey || key === this.keptKey || this.index.size === 0) return;
    if (writeIndexFacts(indexFileOf(this.file), key, this.index.facts())) this.keptKey = key;
  }

  static open(file: string, postcodes: PostcodeLookup, calendar: BankHolidayCalendar): DirectoryDb {
    if (!existsSync(file)) createEmptyDirectory(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // 4 MiB of page cache: the search facts live in memory, so SQLite mostly serves FTS lookups
    // and one page of whole services; a bigger cache bought little speed for its memory.
    db.pragma('cache_size = -4096');
    // DirectoryWriter keeps child rows in step itself (it deletes a service's locations, phones,
    // coverage and text before rewriting them), and a copy brought forward by the feed is tested
    // equal to the server's next snapshot. Enforcing the foreign keys as well made every updated
    // service row cost four times as much: a third of a 1,000-change catch-up.
    db.pragma('foreign_keys = OFF');
    // A catch-up commits its changes and its cursor together, so a power cut that loses the last
    // commits (what NORMAL risks in WAL mode, never corruption) only means reading them again.
    // Checkpoints run after a catch-up and the work it leaves for later, not inside its commit (tidySoon).
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 0');
    const version = Number(readMeta(db).get(META_KEYS.schemaVersion) ?? 0);
    // A copy of an earlier schema (kept by this desk, or a snapshot built before the server was
    // upgraded) is brought up to date in place: the changes since only add columns.
    if (version !== DIRECTORY_SCHEMA_VERSION && canUpgradeDirectory(version)) upgradeDirectorySchema(db, version);
    else if (version !== DIRECTORY_SCHEMA_VERSION) {
      db.close();
      throw new CoreError('directory_unavailable', `The directory file is schema version ${version}; this desk reads version ${DIRECTORY_SCHEMA_VERSION}. It will be downloaded again at the next sync.`);
    }
    return new DirectoryDb(db, postcodes, calendar, file);
  }

  /** Rebuilds the in-memory index from the file. */
  reload(): void {
    this.indexKey = this.keyNow();
    this.index = SearchIndex.build(this.db);
    this.wordSets.reset(this.index);
    this.searcher = new DirectorySearch(this.db, this.index, { vocabulary: this.vocabulary, wordSets: this.wordSets });
  }

  /**
   * Work left out of open(), done once the desk is up (Core.warmUp): the terms of the full-text
   * index, so that words typed in full are asked for as terms (FtsVocabulary). Until then every
   * word is asked for as a prefix: the same answers, slower for common words.
   */
  warm(): void {
    this.vocabulary.load();
    this.keepIndex(this.keyNow());
    // Merges held by a catch-up before the desk last closed.
    this.tidySoon();
  }

  /**
   * Applies a batch of changes from the server's feed in one transaction together with the cursor
   * that follows them, then updates the in-memory index for just those services. Either the whole
   * batch and its cursor are kept or nothing is.
   */
  applyChanges(changes: Iterable<DirectoryChange>, next: { cursor: string; version: number; syncedAt: string }): number {
    const touched: number[] = [];
    // Each touched service's text as last written in the batch (null: removed), for the search's word sets.
    const texts = new Map<number, string[] | null>();
    const inStep = this.beginOwnWrite();
    this.db.transaction(() => {
      this.holdFtsMerges();
      const writer = new DirectoryWriter(this.db);
      for (const c of this.inRowidOrder(changes)) {
        const rowid = c.op === 'put' ? writer.put(c.service, c.version) : writer.delete(c.id);
        if (rowid !== null) {
          touched.push(rowid);
          texts.set(rowid, c.op === 'put' ? ftsTextOf(c.service) : null);
        }
      }
      const meta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
      meta.run(META_KEYS.cursor, next.cursor);
      meta.run(META_KEYS.version, String(next.version));
      meta.run(META_KEYS.syncedAt, next.syncedAt);
    })();
    this.index.refresh(touched);
    this.endOwnWrite(inStep);
    // New words become terms, and the kept match sets current, before the next search
    // (WordMatchSets.afterChanges): the sets must hold the batch before a search reads them, so
    // this is not left for after the catch-up as the merges are. Nothing while the desk has not
    // warmed up (no terms loaded, no sets kept).
    this.wordSets.afterChanges(texts);
    // Removed services leave empty slots behind; compact once they are a noticeable share.
    if (this.index.emptiedShare > 0.2) this.reload();
    this.tidySoon();
    return touched.length;
  }

  /**
   * The changes ordered by the rowid of the service each rewrites, new services last (in feed
   * order, as their rowids are handed out). FTS5 writes what it holds in memory out as a new
   * segment whenever a rowid comes that is lower than the last one written: in the feed's order (by
   * service id) a catch-up of changes spread over the directory wrote several segments instead of
   * one (five or six for some 36 changes, in directory-apply.test.ts), each to be merged again later.
   * A stable sort: changes to the same service keep their order.
   */
  private inRowidOrder(changes: Iterable<DirectoryChange>): DirectoryChange[] {
    const list = [...changes];
    const ids = JSON.stringify(list.map((c) => (c.op === 'put' ? c.service.id : c.id)));
    const rowids = new Map(this.db.prepare('SELECT id, rowid FROM service WHERE id IN (SELECT value FROM json_each(?))').raw().all(ids) as [string, number][]);
    const key = (c: DirectoryChange) => rowids.get(c.op === 'put' ? c.service.id : c.id) ?? Number.MAX_SAFE_INTEGER;
    return list.map((c, i) => ({ c, i, k: key(c) })).sort((a, b) => a.k - b.k || a.i - b.i).map((e) => e.c);
  }

  private mergesHeld = false;

  /**
   * FTS5 merges its segments as they accumulate ('automerge', 4 of a level by default), inside the
   * commit that adds the fourth: one catch-up in four paid 50–130 ms more, and one whose merge
   * reached the snapshot's large segment 1.5 s (100,000 services; 963 ms at 20,000). The desk turns
   * that off for service_fts (a setting stored in the file, written once in a catch-up's
   * transaction) and makes the same merges after the catch-up, a step at a time (tidySoon).
   */
  private holdFtsMerges(): void {
    if (this.mergesHeld) return;
    const automerge = this.db.prepare("SELECT v FROM service_fts_config WHERE k = 'automerge'").pluck().get();
    if (automerge !== 0) this.db.prepare("INSERT INTO service_fts (service_fts, rank) VALUES ('automerge', 0)").run();
    this.mergesHeld = true;
  }

  /**
   * One step of the merges automerge would have made: at most FTS_MERGE_STEP_PAGES pages written,
   * merging levels that hold 'usermerge' (4) segments or more, as automerge would. False when there
   * was nothing to merge (FTS5 then changes fewer than two rows).
   */
  mergeFtsStep(pages = FTS_MERGE_STEP_PAGES): boolean {
    const changes = this.db.prepare('SELECT total_changes()').pluck();
    const before = changes.get() as number;
    this.db.prepare(`INSERT INTO service_fts (service_fts, rank) VALUES ('merge', ${Math.max(1, Math.trunc(pages))})`).run();
    return (changes.get() as number) - before >= 2;
  }

  private tidyTimer: NodeJS.Timeout | null = null;

  /**
   * The work a catch-up leaves for after it (its changes are searchable without it), in steps a
   * pause apart so that searches run between them: the FTS5 merges held out of its commit, then
   * the checkpoint of the write-ahead log.
   */
  private tidySoon(): void {
    if (this.tidyTimer) return;
    this.tidyTimer = setTimeout(() => {
      this.tidyTimer = null;
      if (!this.db.open) return;
      let more = false;
      try {
        // The desk's own write: FTS5's segments change, the services (so the search index) do not.
        more = this.ownWrite(() => this.mergeFtsStep());
      } catch {
        // A merge step that fails (a full disk) is rolled back whole and leaves the index as it
        // was, searchable; the merges are tried again after the next catch-up or warm-up.
      }
      if (more) this.tidySoon();
      else this.checkpointSoon();
    }, TIDY_PAUSE_MS);
    this.tidyTimer.unref();
  }

  private checkpointQueued = false;

  /** Copies the write-ahead log into the file once the current work is done (the search already answers). */
  private checkpointSoon(): void {
    if (this.checkpointQueued) return;
    this.checkpointQueued = true;
    setImmediate(() => {
      this.checkpointQueued = false;
      if (this.db.open) this.ownWrite(() => this.db.pragma('wal_checkpoint(PASSIVE)'));
    });
  }

  /** Records that the desk checked with the server and had nothing to apply. */
  markSynced(syncedAt: string): void {
    this.ownWrite(() => this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(META_KEYS.syncedAt, syncedAt));
  }

  /** Where the changes feed continues for this file, or null for a directory never synced. */
  cursor(): string | null {
    return readMeta(this.db).get(META_KEYS.cursor) ?? null;
  }

  info(): DirectoryInfo {
    const meta = readMeta(this.db);
    return {
      services: this.index.count,
      version: meta.get(META_KEYS.version) ?? null,
      publishedAt: meta.get(META_KEYS.publishedAt) ?? null,
      syncedAt: meta.get(META_KEYS.syncedAt) ?? null,
      bankHolidaysCoverUntil: this.calendar.coversUntil,
    };
  }

  search(params: SearchParams, at: Date): SearchResult {
    let origin: SearchOrigin | null = null;
    let place: PostcodePlace | null = null;
    let originDistrict: string | null = null;
    if (params.postcode?.trim()) {
      const located = this.postcodes.locate(params.postcode);
      place = located.place;
      // Northern Ireland has no position in the tables and no services in this directory: the
      // screen shows its own crisis route instead of English services with no distance.
      if (!located.origin) return { results: [], total: 0, origin: null, place, evaluatedAt: at.toISOString() };
      origin = located.origin;
      originDistrict = origin.district;
    } else if (params.position) {
      origin = { label: 'Position', district: null, ...params.position, precision: 'position' as const, radiusKm: null };
    }
    const result = this.searcher.search(params, { origin, originDistrict, at, calendar: this.calendar });
    return { ...result, place };
  }

  lookupPostcode(postcode: string): SearchOrigin {
    return this.postcodes.lookup(postcode);
  }

  get(id: string, at: Date): { service: DirectoryService; openState: OpenState; dataAgeDays: number | null; stale: boolean } {
    const row = this.db.prepare('SELECT rowid FROM service WHERE id = ?').get(id) as { rowid: number } | undefined;
    const i = row ? this.index.slotOf(row.rowid) : undefined;
    if (!row || i === undefined) throw new CoreError('not_found', 'That service is no longer in the directory. Search again for an alternative.');
    const service = readServices(this.db, [row.rowid]).get(row.rowid)!;
    return {
      service,
      openState: this.searcher.openStateOf(i, service, { at, calendar: this.calendar }),
      ...dataAge(this.index.verifiedDay[i]!, londonMomentOf(at).day),
    };
  }

  /** A service's name and type as published, for a shift summary's referrals; undefined when not listed. */
  entry(id: string): { name: string; type: ServiceType } | undefined {
    const row = this.db.prepare('SELECT name, type FROM service WHERE id = ?').get(id) as { name: string; type: string } | undefined;
    return row && (SERVICE_TYPES as readonly string[]).includes(row.type) ? { name: row.name, type: row.type as ServiceType } : undefined;
  }

  /**
   * Closes the file; with `keepIndex`, then keeps the index for the next start (closing copies the
   * write-ahead log into the file, so the state to keep is the one after it: tens of ms at
   * 100,000 services, once, when the desk closes after the directory changed or was built).
   * Merges a catch-up held and had not made yet are made after the next warm-up.
   */
  close(opts: { keepIndex?: boolean } = {}): void {
    if (this.tidyTimer) clearTimeout(this.tidyTimer);
    this.tidyTimer = null;
    const keep = opts.keepIndex === true && this.db.open;
    const inStep = keep && this.indexKey !== null && this.indexKey === this.keyNow();
    const meta = keep ? readMeta(this.db) : null;
    this.db.close();
    if (inStep && meta) {
      this.indexKey = directoryKeyOf(this.file, meta);
      this.keepIndex(this.indexKey);
    }
  }
}
