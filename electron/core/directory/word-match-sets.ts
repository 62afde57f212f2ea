import type Database from 'better-sqlite3-multiple-ciphers';
import { allOf, type FtsVocabulary } from './fts-vocabulary';

/**
 * A word whose terms the vocabulary counts in at least this many services has its match set kept:
 * below it, FTS5 hands the rowids over in well under a millisecond ("camberwell", 53 services).
 */
const KEEP_FROM = 1_000;
/** Memory for the kept sets: 2 MiB, 167 sets over the 100,000 services of the bench directory. */
const BUDGET_BYTES = 2 * 1024 * 1024;

/**
 * The services each common typed word matches, kept in memory between searches as bitsets over
 * rowids (12.5 KB for 100,000 services), so that a search does not ask FTS5 for tens of thousands
 * of rowids at every keystroke. FTS5 needs 4.3 ms of CPU to hand over the 51,592 rowids of
 * "crisis" (80 ns a row, measured over the bench's 100k directory), 4.6 for "cr", 28 for "c"; the
 * bitset answers "does this service hold the word?" with one array read, so a search near a place
 * tests only the services the place and the filters leave, and words typed in a row ("cr", "cri",
 * "cris", then "crisis caf") are each asked of FTS5 once.
 *
 * A set is kept under its vocabulary key (FtsVocabulary.matchKey): the word's only term when one
 * term begins with it, else the word as a prefix. Every set holds exactly the services its key
 * matches in service_fts: made from FTS5's own answer, and after each catch-up the rows it touched
 * are cleared and set again from FTS5's answer over the batch just written (afterChanges). Sets are
 * kept only while the vocabulary is loaded (their keys rely on it holding every term of the index),
 * and the least recently used goes first beyond the budget.
 */
export class WordMatchSets {
  /** Key → bitset over rowids, least recently used first. */
  private readonly kept = new Map<string, Uint32Array>();
  /** Uint32 words of each bitset: every rowid seen fits. */
  private width = 0;
  private result = new Uint32Array(0);
  private readonly fts: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly vocabulary: FtsVocabulary,
  ) {
    this.fts = db.prepare('SELECT rowid FROM service_fts WHERE service_fts MATCH ?').pluck();
  }

  /** Sets kept (for tests and figures). */
  get size(): number {
    return this.kept.size;
  }

  /**
   * The services matching every word (each as a prefix), as a bitset over rowids that is valid
   * until the next call; null while the vocabulary is not loaded (ask FTS5 as before).
   */
  match(words: readonly string[]): Uint32Array | null {
    const v = this.vocabulary;
    if (!v.loaded) {
      this.kept.clear();
      return null;
    }
    const common: string[] = [];
    const rare: string[] = [];
    for (const w of words) {
      const m = v.matchKey(w)!;
      if (common.includes(m.key) || rare.includes(m.phrase)) continue;
      const set = this.kept.get(m.key);
      if (set) {
        // Most recently used last.
        this.kept.delete(m.key);
        this.kept.set(m.key, set);
      } else if (m.docs >= KEEP_FROM) {
        this.keep(m.key, this.fts.all(m.phrase) as number[]);
      } else {
        rare.push(m.phrase);
        continue;
      }
      common.push(m.key);
    }
    // Looked up after every keep: keeping one may have widened them all. None is evicted, being
    // among the most recent 8 (a search has at most 8 words).
    const sets = common.map((key) => this.kept.get(key)!);
    if (rare.length === 0 && sets.length === 1) return sets[0]!;
    if (rare.length > 0) {
      // The rare words together are few services: ask FTS5 for them, keep those the common words hold.
      const rowids = this.fts.all(allOf(rare)) as number[];
      if (rowids.length > 0) this.fit(rowids[rowids.length - 1]!);
      const out = this.fresh();
      for (const r of rowids) {
        let all = true;
        for (const s of sets) if (((s[r >>> 5]! >>> (r & 31)) & 1) === 0) all = false;
        if (all) out[r >>> 5]! |= 1 << (r & 31);
      }
      return out;
    }
    const out = this.fresh();
    out.set(sets[0]!);
    for (let k = 1; k < sets.length; k++) {
      const s = sets[k]!;
      for (let j = 0; j < out.length; j++) out[j]! &= s[j]!;
    }
    return out;
  }

  /**
   * Brings every kept set up to date after a catch-up committed, given the text each touched
   * service was last written with (null: removed): those services are cleared, then set again where
   * FTS5 finds the key in their new text. The text is tokenized once, for the vocabulary's new terms
   * and for every set (FtsVocabulary.add).
   */
  afterChanges(texts: ReadonlyMap<number, readonly string[] | null>): void {
    let maxRowid = 0;
    for (const r of texts.keys()) if (r > maxRowid) maxRowid = r;
    this.fit(maxRowid);
    for (const set of this.kept.values()) for (const r of texts.keys()) set[r >>> 5]! &= ~(1 << (r & 31));
    const written = [...texts].filter((e): e is [number, readonly string[]] => e[1] !== null);
    this.vocabulary.add(
      written.map((e) => e[1]),
      {
        rowids: written.map((e) => e[0]),
        use: (match) => {
          for (const [key, set] of this.kept) for (const r of match(key)) set[r >>> 5]! |= 1 << (r & 31);
        },
      },
    );
    // Tokenizing failed: the sets cannot be brought up to date, and words are prefixes again.
    if (!this.vocabulary.loaded) this.kept.clear();
  }

  private keep(key: string, rowids: number[]): Uint32Array {
    this.fit(rowids.length > 0 ? rowids[rowids.length - 1]! : 0);
    const set = new Uint32Array(this.width);
    for (const r of rowids) set[r >>> 5]! |= 1 << (r & 31);
    this.kept.set(key, set);
    const most = Math.max(8, Math.floor(BUDGET_BYTES / (this.width * 4)));
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= most) break;
      this.kept.delete(oldest);
    }
    return set;
  }

  /** The result bitset, cleared. */
  private fresh(): Uint32Array {
    if (this.result.length !== this.width) this.result = new Uint32Array(this.width);
    else this.result.fill(0);
    return this.result;
  }

  /** Widens every bitset to hold rowid (with room to grow: catch-ups add services at the end). */
  private fit(rowid: number): void {
    const need = (rowid >>> 5) + 1;
    if (need <= this.width) return;
    const width = Math.max(need, Math.ceil(this.width * 1.125) + 8);
    for (const [key, set] of this.kept) {
      const wider = new Uint32Array(width);
      wider.set(set);
      this.kept.set(key, wider);
    }
    this.width = width;
  }
}
