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
  /**
   * Per term, the services holding it when it was read (fts5vocab's document count), or, for a term
   * a catch-up added, in that catch-up's batch: an estimate that guides WordMatchSets, never an answer.
   */
  private docs: number[] = [];
  private scratch: { insert: Database.Statement; terms: Database.Statement; match: Database.Statement; clear: Database.Statement } | null = null;

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
    const rows = this.db.prepare('SELECT term, doc FROM temp.service_fts_terms').raw().all() as [string, number][];
    this.setTerms(rows);
  }

  private setTerms(rows: [string, number][]): void {
    rows.sort((a, b) => byCodeUnits(a[0], b[0]));
    this.terms = rows.map((r) => r[0]);
    this.docs = rows.map((r) => r[1]);
  }

  /**
   * What a typed, folded word matches, as a key for keeping that match set (WordMatchSets): the
   * FTS5 expression of exactly those services, `"term"` when a single term begins with the word
   * ("cri", "cris" and "crisis" alike match the services holding "crisis"), else `"word"*`; with
   * the services the vocabulary counts for those terms (at most their sum), and phrase(word), the
   * cheapest way to ask the whole index for them. Null until loaded.
   */
  matchKey(word: string): { key: string; docs: number; phrase: string } | null {
    const terms = this.terms;
    if (!terms) return null;
    const first = lowerBound(terms, word);
    let end = first, docs = 0;
    while (end < terms.length && terms[end]!.startsWith(word)) docs += this.docs[end++]!;
    const key = end - first === 1 ? quoted(terms[first]!) : `${quoted(word)}*`;
    return { key, docs, phrase: end - first === 1 ? key : this.phrase(word) };
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
    return `(${terms.slice(first, end).map(quoted).join(' OR ')})`;
  }

  /**
   * Adds the terms of text just written to service_fts (each service's columns, as DirectoryWriter
   * wrote them), tokenized by FTS5 with the same tokenizer. Nothing to do before the vocabulary is
   * loaded; should tokenizing fail, the vocabulary is dropped (every word a prefix again), never
   * left short of the new terms.
   *
   * With `tokenized`, texts[k] is the text of the service with rowids[k] (each once), and `use` is
   * given, while the batch is tokenized, the services of the batch an FTS5 expression matches: so
   * that WordMatchSets keeps its sets current without asking the whole index.
   */
  add(texts: Iterable<readonly string[]>, tokenized?: { rowids: readonly number[]; use: (match: (expression: string) => number[]) => void }): void {
    const terms = this.terms;
    if (!terms) return;
    // Until the new terms are in, no word may be asked for by the old ones alone.
    this.terms = null;
    let added: [string, number][];
    try {
      const s = (this.scratch ??= this.makeScratch());
      this.db.transaction(() => {
        let k = 0;
        for (const columns of texts) s.insert.run(tokenized ? tokenized.rowids[k++]! : null, columns.join(' '));
      })();
      try {
        added = (s.terms.all() as [string, number][]).filter(([t]) => terms[lowerBound(terms, t)] !== t);
        tokenized?.use((expression) => s.match.all(expression) as number[]);
      } finally {
        s.clear.run();
      }
    } catch {
      // The catch-up itself is committed; searches go on with every word a prefix (the same answers).
      return;
    }
    if (added.length === 0) this.terms = terms;
    else this.setTerms([...terms.map((t, i): [string, number] => [t, this.docs[i]!]), ...added]);
  }

  private makeScratch() {
    this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_scratch USING fts5(text, content='', tokenize="${FTS_TOKENIZE}", detail=none)`);
    this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_scratch_terms USING fts5vocab('temp', 'fts_scratch', 'row')");
    return {
      insert: this.db.prepare('INSERT INTO temp.fts_scratch (rowid, text) VALUES (?, ?)'),
      terms: this.db.prepare('SELECT term, doc FROM temp.fts_scratch_terms').raw(),
      match: this.db.prepare('SELECT rowid FROM temp.fts_scratch WHERE fts_scratch MATCH ?').pluck(),
      clear: this.db.prepare("INSERT INTO temp.fts_scratch (fts_scratch) VALUES ('delete-all')"),
    };
  }
}

/**
 * FTS5 query for typed words, each given as its phrase: all required. FTS5 joins phrases by a
 * space, but a group in brackets only by an explicit AND.
 */
export function allOf(phrases: readonly string[]): string {
  return phrases.join(phrases.some((p) => p.startsWith('(')) ? ' AND ' : ' ');
}

const quoted = (term: string) => `"${term.replaceAll('"', '""')}"`;

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
