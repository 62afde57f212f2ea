import type Database from 'better-sqlite3-multiple-ciphers';
import { FTS_PREFIX_LENGTHS, FTS_TOKENIZE } from '../../../shared/directory/schema';

/**
 * The terms of service_fts, held in memory so that a typed word is asked of FTS5 as the terms that
 * begin with it instead of as a prefix, where that is cheaper. Both find the same services, but
 * FTS5 answers a prefix longer than its prefix index (2 and 3 characters) by first merging the
 * lists of every term in the range into a new one, and only then joins the words. Measured over
 * the bench's 100k directory (CPU, one process): "crisis"* 8.9 against "crisis" 5.2 ms,
 * "young"* "people"* 5.7 against "young" "people" 2.2 ms, "safe"* "haven" 3.6 against
 * ("safe" OR "safety") AND "haven" 2.5 ms, "bereave"* 1.3 against ("bereaved" OR "bereavement")
 * 0.9 ms; a prefix the index holds ("caf"*, 1.4 ms) is cheaper than its terms (1.75 ms).
 *
 * The terms asked for are every term of the vocabulary that begins with the word, so the answer is
 * that of the prefix as long as the vocabulary holds every term of the index: it is read whole,
 * and terms added by a catch-up are tokenized by FTS5 itself (a scratch table with the same
 * tokenizer) and added before the next search. Terms of removed services may linger: asked for,
 * they find nothing.
 */
export class FtsVocabulary {
  /** Sorted as JavaScript compares strings, so the terms beginning with a word follow it; null until loaded. */
  private terms: string[] | null = null;
  private scratch: { insert: Database.Statement; terms: Database.Statement; clear: Database.Statement } | null = null;

  constructor(private readonly db: Database.Database) {}

  get loaded(): boolean {
    return this.terms !== null;
  }

  /**
   * Reads every term of service_fts (about 140 ms of CPU for the 7,164 terms of the 100k bench
   * directory: fts5vocab counts each term's documents on the way). Done once the desk is up, or by
   * the first search with words when that comes first.
   */
  load(): void {
    if (this.terms) return;
    this.held = null;
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.service_fts_terms USING fts5vocab('main', 'service_fts', 'row')");
    const terms = this.db.prepare('SELECT term FROM temp.service_fts_terms').pluck().all() as string[];
    this.terms = terms.sort(byCodeUnits);
  }

  /**
   * The FTS5 query for one typed, folded word: the term itself when no longer term begins with it;
   * past the prefix index's lengths, the few terms that begin with it (OR); else the prefix.
   */
  phrase(word: string): string {
    const terms = this.terms;
    const prefix = `"${word}"*`;
    if (!terms) return prefix;
    const first = lowerBound(terms, word);
    let end = first;
    while (end < terms.length && end - first <= MAX_TERMS && terms[end]!.startsWith(word)) end++;
    const count = end - first;
    if (count === 1 && terms[first] === word) return `"${word}"`;
    if (count === 0 || count > MAX_TERMS || [...word].length <= LONGEST_INDEXED_PREFIX) return prefix;
    return `(${terms.slice(first, end).map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ')})`;
  }

  /**
   * Adds the terms of text just written to service_fts (each service's columns, as DirectoryWriter
   * wrote them), tokenized by FTS5 with the same tokenizer. Nothing to do before the vocabulary is
   * loaded; should tokenizing fail, the vocabulary is dropped (every word a prefix again), never
   * left short of the new terms.
   */
  add(texts: Iterable<readonly string[]>): void {
    const terms = this.terms;
    if (!terms) return;
    // Until the new terms are in, no word may be asked for by the old ones alone.
    this.terms = null;
    let added: string[];
    try {
      const s = (this.scratch ??= this.makeScratch());
      this.db.transaction(() => {
        for (const columns of texts) s.insert.run(columns.join(' '));
      })();
      added = (s.terms.all() as string[]).filter((t) => terms[lowerBound(terms, t)] !== t);
      s.clear.run();
    } catch {
      // The catch-up itself is committed; searches go on with every word a prefix (the same answers).
      return;
    }
    this.terms = added.length === 0 ? terms : [...terms, ...added].sort(byCodeUnits);
  }

  /** The terms as they were before a deferred add, and the text whose terms are still to be added to them. */
  private held: { terms: string[]; texts: (readonly string[])[] } | null = null;

  /**
   * add(), left for later (addDeferred): until then no term is held, so every word is asked for
   * as a prefix (the same answers, slower for common words). A catch-up of 1,000 changes spent
   * 14–50 ms here, on its way to being searchable (docs/benchmarks.md, issue 15, round 3: Catch-up).
   */
  deferAdd(texts: Iterable<readonly string[]>): void {
    const terms = this.terms ?? this.held?.terms;
    if (!terms) return;
    this.terms = null;
    this.held = { terms, texts: [...(this.held?.texts ?? []), ...texts] };
  }

  /** Adds what deferAdd left for later; true when there was anything. */
  addDeferred(): boolean {
    const held = this.held;
    if (!held) return false;
    this.held = null;
    this.terms = held.terms;
    this.add(held.texts);
    return true;
  }

  private makeScratch() {
    this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_scratch USING fts5(text, content='', tokenize="${FTS_TOKENIZE}", detail=none)`);
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_scratch_terms USING fts5vocab('temp', 'fts_scratch', 'row')");
    return {
      insert: this.db.prepare('INSERT INTO temp.fts_scratch (text) VALUES (?)'),
      terms: this.db.prepare('SELECT term FROM temp.fts_scratch_terms').pluck(),
      clear: this.db.prepare("INSERT INTO temp.fts_scratch (fts_scratch) VALUES ('delete-all')"),
    };
  }
}

/** The index of the first term not before word. */
function lowerBound(terms: readonly string[], word: string): number {
  let lo = 0, hi = terms.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (terms[mid]! < word) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Beyond this many terms beginning with a word, the prefix is asked for instead (a short word begins many). */
const MAX_TERMS = 8;
/** FTS5 answers a prefix of up to this many characters from its prefix index, cheaper than from the terms. */
const LONGEST_INDEXED_PREFIX = Math.max(...FTS_PREFIX_LENGTHS);

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
