import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { makeService, writeTestDirectory } from '../../../test/support/services';
import { FtsVocabulary } from './fts-vocabulary';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function directoryWith(names: string[]): Database.Database {
  const d = mkdtempSync(path.join(tmpdir(), 'crisis-desk-vocab-'));
  dirs.push(d);
  const file = path.join(d, 'directory.db');
  writeTestDirectory(file, names.map((name, i) => makeService({ id: `v${i}`, name, type: 'crisis_helpline', keywords: [], description: undefined })));
  return new Database(file);
}

const count = (db: Database.Database, query: string) => (db.prepare('SELECT count(*) FROM service_fts WHERE service_fts MATCH ?').pluck().get(query) as number);

describe('FtsVocabulary', () => {
  it('asks for a word as a term only when no longer term begins with it, and finds what the prefix finds', () => {
    const db = directoryWith(['Crisis Line', 'Crisis Café', 'Crisisline North', 'Safe Haven', 'Safety Net', 'Havens', 'Mind']);
    const v = new FtsVocabulary(db);
    // Not loaded: every word is a prefix.
    expect(v.phrase('mind')).toBe('"mind"*');
    v.load();
    expect(v.phrase('mind')).toBe('"mind"');
    expect(v.phrase('cafe')).toBe('"cafe"');
    // A term with longer terms after it, a word that is only a beginning, and a word no term has.
    // Past the prefix index (3 characters), the terms that begin with the word; within it, the prefix.
    expect(v.phrase('crisis')).toBe('("crisis" OR "crisisline")');
    expect(v.phrase('safe')).toBe('("safe" OR "safety")');
    expect(v.phrase('haven')).toBe('("haven" OR "havens")');
    expect(v.phrase('crisi')).toBe('("crisis" OR "crisisline")');
    expect(v.phrase('cri')).toBe('"cri"*');
    expect(v.phrase('ca')).toBe('"ca"*');
    // A word no term begins with, and the empty word, stay prefixes.
    expect(v.phrase('zebra')).toBe('"zebra"*');
    expect(v.phrase('')).toBe('""*');
    for (const w of ['mind', 'cafe', 'crisis', 'crisi', 'safe', 'haven', 'line', 'north', 'net', 'cri', 'zebra']) expect(count(db, v.phrase(w)), w).toBe(count(db, `"${w}"*`));
    expect(count(db, v.phrase('crisis'))).toBe(3);
    db.close();
  });

  it('adds the terms of services written after it was loaded, tokenized as service_fts tokenizes them', () => {
    const db = directoryWith(['Crisis Line', 'Mind']);
    const v = new FtsVocabulary(db);
    v.load();
    expect(v.phrase('line')).toBe('"line"');
    expect(v.phrase('mind')).toBe('"mind"');
    // Capitals, accents and joined words: the tokenizer folds them; "Lineside" now begins with "line".
    v.add([['Lineside Ünïon', 'MINDFUL-Café', '', '', '']]);
    expect(v.phrase('line')).toBe('("line" OR "lineside")');
    expect(v.phrase('mind')).toBe('("mind" OR "mindful")');
    expect(v.phrase('union')).toBe('"union"');
    expect(v.phrase('cafe')).toBe('"cafe"');
    expect(v.phrase('lineside')).toBe('"lineside"');
    // Adding again, or nothing, changes nothing.
    v.add([['Lineside Ünïon', '', '', '', '']]);
    v.add([]);
    expect(v.phrase('lineside')).toBe('"lineside"');
    db.close();
  });

  it('asks for a prefix when many terms begin with the word', () => {
    const db = directoryWith(Array.from({ length: 12 }, (_, i) => `Support${String.fromCharCode(97 + i)} Line`));
    const v = new FtsVocabulary(db);
    v.load();
    expect(v.phrase('support')).toBe('"support"*');
    expect(v.phrase('supporta')).toBe('"supporta"');
    expect(count(db, v.phrase('support'))).toBe(12);
    db.close();
  });

  it('adds nothing before it is loaded, and reads every term when it is', () => {
    const db = directoryWith(['Crisis Line']);
    const v = new FtsVocabulary(db);
    v.add([['Lineside', '', '', '', '']]);
    expect(v.loaded).toBe(false);
    v.load();
    expect(v.phrase('line')).toBe('"line"');
    db.close();
  });
});

describe('FtsVocabulary when the new terms cannot be read', () => {
  it('drops the vocabulary, so that every word is a prefix again, rather than miss a new term', () => {
    const db = directoryWith(['Crisis Line']);
    const v = new FtsVocabulary(db);
    v.load();
    expect(v.phrase('line')).toBe('"line"');
    // A scratch table of the same name but unlike the one the vocabulary makes: the insert fails.
    db.exec('CREATE TABLE temp.fts_scratch (other TEXT)');
    v.add([['Lineside', '', '', '', '']]);
    expect(v.loaded).toBe(false);
    expect(v.phrase('line')).toBe('"line"*');
    db.close();
  });
});
