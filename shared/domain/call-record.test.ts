import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addendumHashFields,
  callbackMadeAt,
  callbackOwed,
  CallRecordContent,
  DRAFT_MAX_BYTES,
  DraftContent,
  emptyCallRecordContent,
  jsonBytes,
  TEXT_LIMITS,
  textLimitOf,
  TYPED_FIELDS,
  utf8Bytes,
  type Addendum,
} from './call-record';

const STARTED = '2026-05-11T20:00:00.000Z';
const note = (over: Partial<Addendum> = {}): Addendum => ({ id: 'a', recordId: 'r', createdAt: '2026-05-12T09:00:00.000Z', text: 'Synthetic.', contentHash: 'h', callbackMadeAt: null, author: null, ...over });
const asking = (completedAt: string | null = null): CallRecordContent => ({
  ...emptyCallRecordContent(STARTED),
  callback: { required: true, dueAt: '2026-05-12T08:00:00.000Z', phone: '07700 900123', reason: '', completedAt },
});

describe('the callback a record asked for', () => {
  it('is owed until the record or an addendum says it was made', () => {
    expect(callbackOwed({ content: asking(), addenda: [note()] })).toBe(true);
    expect(callbackMadeAt({ content: asking('2026-05-11T21:00:00.000Z'), addenda: [] })).toBe('2026-05-11T21:00:00.000Z');
    const made = note({ callbackMadeAt: '2026-05-12T09:05:00.000Z' });
    expect(callbackMadeAt({ content: asking(), addenda: [note(), made] })).toBe('2026-05-12T09:05:00.000Z');
    expect(callbackOwed({ content: asking(), addenda: [made] })).toBe(false);
  });

  it('is never owed when none was asked for, whatever an addendum says', () => {
    const content = emptyCallRecordContent(STARTED);
    expect(callbackOwed({ content, addenda: [] })).toBe(false);
    expect(callbackMadeAt({ content, addenda: [note({ callbackMadeAt: '2026-05-12T09:05:00.000Z' })] })).toBeNull();
  });
});

describe('what an addendum hash covers', () => {
  it('is id, record, time and text for a note, and the callback time too when it records one', () => {
    const { contentHash: _h, ...plain } = note();
    expect(addendumHashFields(plain)).toEqual({ id: 'a', recordId: 'r', createdAt: '2026-05-12T09:00:00.000Z', text: 'Synthetic.' });
    expect(addendumHashFields({ ...plain, callbackMadeAt: '2026-05-12T09:05:00.000Z' })).toMatchObject({ callbackMadeAt: '2026-05-12T09:05:00.000Z' });
  });
});

/** A draft with something in every field, two referrals among them. */
function filledDraft(): DraftContent {
  const c: DraftContent = emptyCallRecordContent(STARTED);
  c.caller = { ...c.caller, type: 'self', name: 'Sam Synthetic', dateOfBirth: '1990-03-27', nhsNumber: '9434765919', phone: '07700 900123', postcode: 'SE5 8AZ', aboutPerson: 'n/a' };
  c.presentingNeed = { categories: ['low_mood'], summary: 'Synthetic summary.' };
  c.risk.formulation = 'Synthetic formulation.';
  c.outcome = { code: '03', notes: 'Synthetic outcome notes.' };
  const referral = (n: number) => ({ id: `ref-${n}`, serviceId: `svc-${n}`, serviceName: `Service ${n}`, serviceType: 'crisis_cafe' as const, serviceAgeMin: null, serviceAgeMax: null, method: 'signposted' as const, at: STARTED, notes: `note ${n}` });
  c.referrals = [referral(1), referral(2)];
  c.callback = { required: true, dueAt: '2026-05-12T08:00:00.000Z', phone: '07700 900456', reason: 'Synthetic reason.', completedAt: null };
  c.consent = { informationSharing: 'given', notes: 'Synthetic consent notes.' };
  return c;
}

/** Sets the text at a path ('referrals.*.notes' is the second referral's notes); returns the concrete path. */
function setText(c: DraftContent, pattern: string, value: string): string {
  if (pattern.startsWith('typed.')) {
    c.typed = { ...c.typed, [pattern.slice(6)]: value };
    return pattern;
  }
  const parts = pattern.split('.');
  const concrete = parts.map((p) => (p === '*' ? '1' : p));
  let o = c as unknown as Record<string, unknown>;
  for (const k of concrete.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[concrete.at(-1)!] = value;
  return concrete.join('.');
}

// Text of every kind a clinician can paste: accents, symbols, emoji (two UTF-16 units), new lines, quotes, control characters.
const pastedText = (min: number, max: number) => fc.string({ unit: fc.constantFrom('a', 'Z', ' ', 'é', '€', '😀', '\n', '\t', '"', '\\', '\u0001', '<'), minLength: min, maxLength: max });

describe('a draft (DraftContent)', () => {
  const stringFields = [...Object.keys(TEXT_LIMITS), ...TYPED_FIELDS.map((f) => `typed.${f}`)];
  const seed = Number(process.env.FC_SEED ?? 20_261_207);

  it('takes any one text field far past its clinical limit and keeps every other field exactly (property; FC_SEED to replay)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...stringFields), fc.integer({ min: 1, max: 40 }), fc.nat(), (pattern, times, salt) => {
        const limit = textLimitOf(pattern) ?? 200;
        const value = String(salt).padEnd(limit * times + 1, ' x');
        const c = filledDraft();
        const path = setText(c, pattern, value);
        const parsed = DraftContent.safeParse(c);
        expect(parsed.success, path).toBe(true);
        expect(parsed.data).toEqual(c);
        // What is over a clinical limit is refused by the final schema at that field only.
        const strict = CallRecordContent.safeParse(c);
        if (!pattern.startsWith('typed.')) expect(strict.error?.issues.map((i) => i.path.join('.')), path).toEqual([path]);
      }),
      { seed, numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('keeps pasted text of any kind as it is', () => {
    fc.assert(
      fc.property(fc.constantFrom(...stringFields), pastedText(0, 3000), (pattern, value) => {
        // A referral's ids come from the directory and are never empty.
        fc.pre(value !== '' || !/\.(id|serviceId)$/.test(pattern));
        const c = filledDraft();
        setText(c, pattern, value);
        const parsed = DraftContent.safeParse(c);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(c);
      }),
      { seed, numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('is bounded as a whole, in UTF-8 bytes of its JSON, so it fits every transport', () => {
    const c = filledDraft();
    c.presentingNeed.summary = '';
    const room = DRAFT_MAX_BYTES - jsonBytes(c);
    c.presentingNeed.summary = 'a'.repeat(room);
    expect(jsonBytes(c)).toBe(DRAFT_MAX_BYTES);
    expect(DraftContent.safeParse(c).success).toBe(true);
    c.presentingNeed.summary += 'a';
    const refused = DraftContent.safeParse(c);
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/too large to save .* shorten the longest text/);
    // '€' is three bytes: a third as many of them fill the same room.
    c.presentingNeed.summary = '€'.repeat(Math.floor(room / 3));
    expect(DraftContent.safeParse(c).success).toBe(true);
    c.presentingNeed.summary = '€'.repeat(Math.floor(room / 3) + 1);
    expect(DraftContent.safeParse(c).success).toBe(false);
  });

  it('skips counting bytes only where the count could not exceed the bound (held to the plain count)', () => {
    // The shortcut: a JSON text of n UTF-16 units is at most 3n bytes. Texts of each width of
    // character (1–3 bytes a unit, pairs, lone surrogates) around both lengths that matter.
    const c = filledDraft();
    c.presentingNeed.summary = '';
    const base = JSON.stringify(c).length;
    for (const unit of ['a', 'é', '€', '😀', '\ud800', 'a€']) {
      for (const units of [Math.floor(DRAFT_MAX_BYTES / 3) - base, DRAFT_MAX_BYTES / 3 - base + 1, Math.floor((DRAFT_MAX_BYTES - jsonBytes(c)) / utf8Bytes(unit))]) {
        for (const extra of [-1, 0, 1]) {
          c.presentingNeed.summary = unit.repeat(Math.max(0, Math.ceil(units / unit.length) + extra));
          expect(DraftContent.safeParse(c).success).toBe(jsonBytes(c) <= DRAFT_MAX_BYTES);
        }
      }
    }
  });

  it('a finalised record at every clinical limit at once is well inside the bound', () => {
    const c = filledDraft();
    for (const pattern of Object.keys(TEXT_LIMITS)) setText(c, pattern, '€'.repeat(textLimitOf(pattern)!));
    c.referrals = Array.from({ length: 50 }, () => c.referrals[1]!);
    expect(jsonBytes(c)).toBeLessThan(DRAFT_MAX_BYTES);
  });

  it('counts UTF-8 bytes as the encoder does, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }), (a, b) => {
        for (const s of [a, b, a + b]) expect(utf8Bytes(s)).toBe(new TextEncoder().encode(s).length);
      }),
      { seed, numRuns: 500 },
    );
  });

  it('knows the limit of a referral field by its number', () => {
    expect(textLimitOf('referrals.12.notes')).toBe(2000);
    expect(textLimitOf('presentingNeed.summary')).toBe(5000);
    expect(textLimitOf('caller.dateOfBirth')).toBeNull();
  });
});
