import type Database from 'better-sqlite3-multiple-ciphers';
import { allOf, type FtsVocabulary } from './fts-vocabulary';
import type { SearchIndex } from './search-index';

/**
 * A word whose terms the vocabulary counts in at least this many services has its match set kept:
 * below it, FTS5 hands the rowids over in well under a millisecond ("camberwell", 53 services).
 */
const KEEP_FROM = 1_000;
/** Memory for the kept sets: 2 MiB, 167 sets over the 100,000 services of the bench directory. */
const BUDGET_BYTES = 2 * 1024 * 1024;
/** A search has at most 8 words (searchWords): all its sets stay while it is answered. */
const FEWEST_KEPT = 8;

/** Whether slot i is in the bitset (one bit per slot, 32 to a word). */
export const hasSlot = (set: Uint32Array, i: number): boolean => ((set[i >>> 5]! >>> (i & 31)) & 1) === 1;
const addSlot = (set: Uint32Array, i: number): void => {
  set[i >>> 5]! |= 1 << (i & 31);
};
const dropSlot = (set: Uint32Array, i: number): void => {
  set[i >>> 5]! &= ~(1 << (i & 31));
};

/**
 * The services each common typed word matches, kept in memory between searches as bitsets over
 * the search index's slots (12.5 KB for 100,000 services), so that a search does not ask FTS5 for
 * tens of thousands of rowids at every keystroke. FTS5 needs 4.3 ms of CPU to hand over the 51,592 rowids of
 * "crisis" (80 ns a row, measured over the bench's 100k directory), 4.6 for "cr", 28 for "c"; the
 * bitset answers "does this service hold the word?" with one array read, so a search near a place
 * tests only the services the place and the filters leave, and words typed in a row ("cr", "cri",
 * "cris", then "crisis caf") are each asked of FTS5 once. By slot, not rowid: a search by words
 * alone then judges its matches in slot order, reading the index's arrays in order (the slots are
 * in the order the index was loaded, unrelated to rowids: "c" and "cr", 5.2 → 3.7 ms a search).
 *
 * A set is kept under its vocabulary key (FtsVocabulary.matchKey): the word's only term when one
 * term begins with it, else the word as a prefix. Every set holds exactly the services its key
 * matches in service_fts: made from FTS5's own answer, and after each catch-up the services it
 * wrote are cleared and set again from FTS5's answer over the batch just written (afterChanges); a
 * removed service's slot is defunct, never judged, never used again. Sets are kept only while the
 * vocabulary is loaded (their keys rely on it holding every term of the index) and for one index
 * (a rebuilt index numbers its slots afresh: reset), the least recently used going first beyond
 * the budget.
 */
export class WordMatchSets {
  /** Key → bitset over slots, least recently used first. */
  private readonly kept = new Map<string, Uint32Array>();
  /** Uint32 words of each bitset: every slot seen fits. */
  private width = 0;
  private result = new Uint32Array(0);
  private readonly fts: Database.Statement;
  private readonly budgetBytes: number;

  constructor(
    db: Database.Database,
    private readonly vocabulary: FtsVocabulary,
    private index: SearchIndex,
    options: { budgetBytes?: number } = {},
  ) {
    this.fts = db.prepare('SELECT rowid FROM service_fts WHERE service_fts MATCH ?').pluck();
    this.budgetBytes = options.budgetBytes ?? BUDGET_BYTES;
  }

  /** Forgets every set: the index was rebuilt, its slots numbered afresh. */
  reset(index: SearchIndex): void {
    this.index = index;
    this.kept.clear();
  }

  /** The sets kept, by key, least recently used first (for the tests that hold them to FTS5's answer). */
  entries(): IterableIterator<[string, Uint32Array]> {
    return this.kept.entries();
  }

  /**
   * The services matching every word (each as a prefix), as a bitset over the index's slots that
   * is valid until the next call; null while the vocabulary is not loaded (ask FTS5 as before).
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
    // The rare words together are few services: FTS5 is asked for them, and those the common words hold kept.
    const rareSlots = rare.length > 0 ? this.slotsOf(this.fts.all(allOf(rare)) as number[]) : null;
    // Looked up after every keep and slotsOf: either may have widened them all. None is evicted,
    // being among the most recent FEWEST_KEPT.
    const sets = common.map((key) => this.kept.get(key)!);
    if (!rareSlots && sets.length === 1) return sets[0]!;
    if (rareSlots) {
      const out = this.fresh();
      for (const r of rareSlots) {
        let all = true;
        for (const s of sets) if (!hasSlot(s, r)) all = false;
        if (all) addSlot(out, r);
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
    const written = [...texts].filter((e): e is [number, readonly string[]] => e[1] !== null);
    // The index has taken the batch in (SearchIndex.refresh): a new service has its slot.
    const slots = this.slotsOf(written.map((e) => e[0]));
    for (const set of this.kept.values()) for (const i of slots) dropSlot(set, i);
    this.vocabulary.add(
      written.map((e) => e[1]),
      {
        rowids: written.map((e) => e[0]),
        use: (match) => {
          for (const [key, set] of this.kept) for (const i of this.slotsOf(match(key))) addSlot(set, i);
        },
      },
    );
    // Tokenizing failed: the sets cannot be brought up to date, and words are prefixes again.
    if (!this.vocabulary.loaded) this.kept.clear();
  }

  /** The rowids of the services a kept set holds, ascending, leaving out removed ones (for tests); undefined when not kept. */
  servicesOf(key: string): number[] | undefined {
    const set = this.kept.get(key);
    if (!set) return undefined;
    const rowids: number[] = [];
    for (let i = 0; i < this.index.size; i++) {
      if (hasSlot(set, i) && this.index.slotOf(this.index.rowid[i]!) === i) rowids.push(this.index.rowid[i]!);
    }
    return rowids.sort((a, b) => a - b);
  }

  private keep(key: string, rowids: number[]): Uint32Array {
    const slots = this.slotsOf(rowids);
    const set = new Uint32Array(this.width);
    for (const i of slots) addSlot(set, i);
    this.kept.set(key, set);
    const most = Math.max(FEWEST_KEPT, Math.floor(this.budgetBytes / (this.width * 4)));
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

  /** The slots of the services with these rowids (none for a rowid the index does not hold), every bitset wide enough for them. */
  private slotsOf(rowids: readonly number[]): Int32Array {
    const slots = new Int32Array(rowids.length);
    let n = 0, last = 0;
    for (const r of rowids) {
      const i = this.index.slotOf(r);
      if (i === undefined) continue;
      slots[n++] = i;
      if (i > last) last = i;
    }
    this.fit(last);
    return slots.subarray(0, n);
  }

  /** Widens every bitset to hold slot (with room to grow: catch-ups add services at the end). */
  private fit(slot: number): void {
    const need = (slot >>> 5) + 1;
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
