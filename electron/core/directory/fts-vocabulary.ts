import type Database from 'better-sqlite3-multiple-ciphers';
import { FTS_TOKENIZE } from '../../../shared/directory/schema';

/**
 * The terms of service_fts, held in memory so that a typed word no term extends is asked for as
 * that term instead of as a prefix. Both find the same services, but FTS5 answers a prefix longer
 * than its prefix index (2 and 3 characters) by merging every term in the range into a new list
 * first, and only then joins the words: measured over the bench's 100k directory (CPU, one
 * process), "crisis"* 8.9 against "crisis" 5.2 ms, "young"* "people"* 5.7 against 2.2 ms,
 * "crisis"* "caf"* 4.7 against 3.0 ms.
 *
 * A word is asked for as a term only when the vocabulary holds it and no longer term beginning
 * with it, so the answer is always that of the prefix: a term the vocabulary lacks can only keep
 * the prefix form. Terms added by a catch-up are tokenized by FTS5 itself (a scratch table with
 * the same tokenizer) and added before the next search; terms of removed services may linger,
 * which only keeps a prefix form that was not needed.
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
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.service_fts_terms USING fts5vocab('main', 'service_fts', 'row')");
    const terms = this.db.prepare('SELECT term FROM temp.service_fts_terms').pluck().all() as string[];
    this.terms = terms.sort(byCodeUnits);
  }

  /** The FTS5 query for one typed, folded word: the term itself when no longer term begins with it, else the prefix. */
  phrase(word: string): string {
    const terms = this.terms;
    if (!terms) return `"${word}"*`;
    const lo = lowerBound(terms, word);
    const exact = terms[lo] === word;
    const next = terms[exact ? lo + 1 : lo];
    return exact && !(next !== undefined && next.startsWith(word)) ? `"${word}"` : `"${word}"*`;
  }

  /**
   * Adds the terms of text just written to service_fts (each service's columns, as DirectoryWriter
   * wrote them), tokenized by FTS5 with the same tokenizer. Nothing to do before the vocabulary is loaded.
   */
  add(texts: Iterable<readonly string[]>): void {
    const terms = this.terms;
    if (!terms) return;
    const s = (this.scratch ??= this.makeScratch());
    this.db.transaction(() => {
      for (const columns of texts) s.insert.run(columns.join(' '));
    })();
    const added = (s.terms.all() as string[]).filter((t) => terms[lowerBound(terms, t)] !== t);
    s.clear.run();
    if (added.length === 0) return;
    this.terms = [...terms, ...added].sort(byCodeUnits);
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

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
