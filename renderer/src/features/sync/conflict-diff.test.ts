import { describe, expect, it } from 'vitest';
import { emptyCallRecordContent } from '../../../../shared/domain/call-record';
import { differences, sectionsToMerge, wordDiff } from './conflict-diff';

const base = () => emptyCallRecordContent('2026-11-22T14:00:00.000Z');

describe('what differs between two versions of a record', () => {
  it('lists only the fields that differ, named as the clinician knows them, values in words', () => {
    const mine = base();
    const theirs = base();
    mine.presentingNeed.summary = 'Synthetic: low mood for weeks.';
    theirs.presentingNeed.summary = 'Synthetic: low mood for months.';
    theirs.risk.toSelf.status = 'present';
    theirs.risk.toSelf.indicators = ['suicidal_ideation', 'plan'];
    mine.outcome.code = '02';
    mine.callback.required = true;
    const d = differences(mine, theirs);
    expect(d.map((x) => [x.path, x.label, x.mine, x.theirs])).toEqual([
      ['presentingNeed.summary', 'Presenting need: summary', 'Synthetic: low mood for weeks.', 'Synthetic: low mood for months.'],
      ['risk.toSelf.status', 'Risk to self: assessment', 'Not assessed', 'Present'],
      ['risk.toSelf.indicators', 'Risk to self: indicators', 'None', 'Suicidal ideation, Has a plan'],
      ['outcome.code', 'Outcome', '02 · Advice on call only', 'Not recorded'],
      ['callback.required', 'Callback needed', 'Yes', 'No'],
    ]);
    expect(d[0]!.prose).toBe(true);
    expect(sectionsToMerge(d)).toEqual(['sec-need', 'sec-risk', 'sec-outcome', 'sec-callback']);
  });

  it('finds nothing when the two are the same', () => {
    expect(differences(base(), base())).toEqual([]);
  });
});

describe('word by word', () => {
  it('marks the words each version has that the other does not, never the spaces around them', () => {
    const { mine, theirs } = wordDiff('She agreed to a callback at ten.', 'She is now at her sister’s house at ten.');
    expect(mine).toEqual([
      { text: 'She ', changed: false },
      { text: 'agreed to a callback', changed: true },
      { text: ' at ten.', changed: false },
    ]);
    const marked = theirs.filter((s) => s.changed).map((s) => s.text);
    expect(marked.join(' ')).toMatch(/is now.*her sister’s house/);
    for (const m of [...marked, 'agreed to a callback']) expect(m).toBe(m.trim());
    expect(theirs.map((s) => s.text).join('')).toBe('She is now at her sister’s house at ten.');
  });

  it('keeps every character of both texts', () => {
    const a = 'Line one.\n\nLine  two, with   spaces.';
    const b = 'Line one.\nLine two, changed.';
    const r = wordDiff(a, b);
    expect(r.mine.map((s) => s.text).join('')).toBe(a);
    expect(r.theirs.map((s) => s.text).join('')).toBe(b);
  });
});
