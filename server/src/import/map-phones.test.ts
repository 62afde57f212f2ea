import fc from 'fast-check';
import { isValidPhoneNumber, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { RecordDefects } from './defects';
import type { FeedPhone } from './feed-model';
import { findDialableNumbers, readPhoneField } from './map-phones';

/*
 * Phone numbers as real feeds write them. Every class of the issue: words around a number,
 * several numbers in one field, "text … to NNNNN" short codes, freephone, extensions, +44 forms,
 * national short codes, a number given as a JSON figure; and the property that a dialable UK
 * number is found wherever it sits in a field, with the text kept as written.
 */

const seed = Number(process.env.FC_SEED ?? 20261102);
const numRuns = Number(process.env.FC_RUNS ?? 300);

function read(number: unknown, over: Partial<FeedPhone> = {}) {
  const d = new RecordDefects();
  const phones = readPhoneField({ attachedTo: 'service', id: 'p', number, extension: undefined, type: undefined, description: undefined, ...over }, 'phones', d);
  return { phones, defects: d.list.map((x) => `${x.severity}: ${x.reason}`) };
}

describe('phone fields as feeds write them', () => {
  it.each([
    // [as written, numbers published, label]
    ['020 7946 0000', [['020 7946 0000', 'public']], undefined],
    ['020-7946-0000', [['020 7946 0000', 'public']], undefined],
    ['(020) 7946 0000', [['020 7946 0000', 'public']], undefined],
    ['+44 20 7946 0000', [['020 7946 0000', 'public']], undefined],
    ['+44 (0)20 7946 0000', [['020 7946 0000', 'public']], undefined],
    ['0044 20 7946 0000', [['020 7946 0000', 'public']], undefined],
    ['"+44 1234 234567"', [['01234 234567', 'public']], undefined],
    ['Tel: 020 7946 0000', [['020 7946 0000', 'public']], undefined],
    ['Call free on 0800 689 5652 (24 hours)', [['0800 689 5652', 'public']], 'Call free on 0800 689 5652 (24 hours)'],
    ['Freephone 0800 58 58 58', [['0800 585858', 'public']], 'Freephone 0800 58 58 58'],
    ['Childline: 0800 1111', [['0800 1111', 'public']], 'Childline: 0800 1111'],
    ['Samaritans 116 123 (free, any time)', [['116 123', 'public']], 'Samaritans 116 123 (free, any time)'],
    ['Call 111 and choose option 2', [['111', 'public']], 'Call 111 and choose option 2'],
    ['Text SHOUT to 85258', [['85258', 'text']], 'Text SHOUT to 85258'],
    ["text 'HELLO' to 85258 for support", [['85258', 'text']], "text 'HELLO' to 85258 for support"],
    [
      'Call 0800 689 5652 or text SHOUT to 85258',
      [['0800 689 5652', 'public'], ['85258', 'text']],
      'Call 0800 689 5652 or text SHOUT to 85258',
    ],
    [
      '0300 123 4567 (daytime) or out of hours 020 7946 0001',
      [['0300 123 4567', 'public'], ['020 7946 0001', 'out_of_hours']],
      '0300 123 4567 (daytime) or out of hours 020 7946 0001',
    ],
    [
      'Public: 0300 123 4567; professionals only: 0300 123 4568',
      [['0300 123 4567', 'public'], ['0300 123 4568', 'professionals']],
      'Public: 0300 123 4567; professionals only: 0300 123 4568',
    ],
    ['SMS 07786 200 400', [['07786 200400', 'text']], 'SMS 07786 200 400'],
    ['Textphone 18001 020 7946 0000', [['020 7946 0000', 'text']], 'Textphone 18001 020 7946 0000'],
  ] as const)('%j', (written, expected, label) => {
    const { phones, defects } = read(written);
    expect(phones.map((p) => [p.number, p.type])).toEqual(expected);
    for (const p of phones) expect(p.label).toBe(label);
    expect(defects).toEqual([]);
  });

  it('keeps the extension out of the number and in the label, from the text or the extension field', () => {
    expect(read('+44 20 7946 0000 ext 214').phones).toEqual([{ number: '020 7946 0000', type: 'public', label: 'ext. 214' }]);
    expect(read('020 7946 0000 x 12').phones).toEqual([{ number: '020 7946 0000', type: 'public', label: 'ext. 12' }]);
    expect(read('020 7946 0000', { extension: '42', description: 'Duty desk' }).phones).toEqual([{ number: '020 7946 0000', type: 'public', label: 'ext. 42 — Duty desk' }]);
  });

  it('reads a number given as a JSON figure (its leading 0 lost), saying so', () => {
    expect(read(2079460000)).toEqual({ phones: [{ number: '020 7946 0000', type: 'public' }], defects: ['repaired: The number was given as the figure 2079460000, without its leading 0; read as 020 7946 0000.'] });
  });

  it('takes an SMS field’s bare short code as the SMS number', () => {
    expect(read('85258', { type: 'sms', description: 'Text SHOUT' }).phones).toEqual([{ number: '85258', type: 'text', label: 'Text SHOUT' }]);
  });

  it('publishes a whole number in a range its data does not know yet (Ofcom drama numbers), with a warning', () => {
    const { phones, defects } = read('07700 900123');
    expect(phones).toEqual([{ number: '07700 900123', type: 'public' }]);
    expect(defects).toEqual(['warning: 07700 900123 is not in a number range in use according to the numbering data; published as given: check it with the service.']);
  });

  it('publishes a number abroad in international form, with a warning', () => {
    const { phones, defects } = read('+353 1 234 5678');
    expect(phones).toEqual([{ number: '+353 1 234 5678', type: 'public' }]);
    expect(defects).toEqual(['warning: +353 1 234 5678 is not a UK number; published in international form.']);
  });

  it.each([['call reception'], ['12345'], ['Monday to Friday 9 till 5'], ['0800 NHS HELP'], ['01234 56'], ['Registered charity 1089464']])('finds no number in %j and says so', (written) => {
    const { phones, defects } = read(written);
    expect(phones).toEqual([]);
    expect(defects).toEqual([`warning: “${written}” holds no dialable UK number; left out.`]);
  });

  it('leaves out fax and pager numbers', () => {
    expect(read('020 7946 0000', { type: 'fax' })).toEqual({ phones: [], defects: ['warning: A fax number is not offered to clinicians; left out.'] });
  });
});

/** A valid UK number written in one of the ways feeds write it, with its national digits. */
const ukNumber = fc
  .tuple(
    fc.constantFrom('20 7', '20 8', '113 4', '161 4', '121 4', '800 ', '300 ', '7786 ', '7912 ', '1632 4', '1234 5'),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 7 }),
    fc.constantFrom('national', 'plus44', 'plus44zero', '0044', 'dashes', 'packed'),
  )
  .map(([prefix, digits, style]) => {
    const significant = `${prefix.replace(/\s/g, '')}${digits.join('')}`.slice(0, prefix.startsWith('800') ? 9 : 10);
    const national = `0${significant}`;
    const written = {
      national: `0${prefix}${digits.join('')}`.slice(0, national.length + 1),
      plus44: `+44 ${significant.slice(0, 4)} ${significant.slice(4)}`,
      plus44zero: `+44 (0)${significant.slice(0, 4)} ${significant.slice(4)}`,
      '0044': `0044 ${significant}`,
      dashes: `${national.slice(0, 5)}-${national.slice(5)}`,
      packed: national,
    }[style];
    return { national, written };
  })
  .filter(({ national }) => isValidPhoneNumber(national, 'GB'));

const words = fc.array(fc.constantFrom('Call', 'us', 'free', 'on', 'anytime', 'Helpline', '(free)', '–', 'Tel:', 'ring', 'the', 'crisis', 'line', 'daytime', '.', 'Option'), { maxLength: 6 }).map((w) => w.join(' '));
const digitsOf = (s: string) => s.replace(/\D/g, '');

describe('phone extraction (properties)', () => {
  it('finds a dialable UK number wherever it sits among words, in national form, keeping the text as written', () => {
    fc.assert(
      fc.property(words, ukNumber, words, (before, n, after) => {
        const written = `${before} ${n.written} ${after}`.trim();
        const { phones } = read(written);
        expect(phones).toHaveLength(1);
        expect(digitsOf(phones[0]!.number)).toBe(digitsOf(n.national));
        expect(parsePhoneNumberWithError(phones[0]!.number, 'GB').isValid()).toBe(true);
        // The text is kept, as written, whenever it says more than the number ("Tel:", "Call us on" say nothing more).
        const says = /\b(free|anytime|helpline|the|crisis|line|daytime|option)\b/i.test(`${before} ${after}`);
        if (says) expect(phones[0]!.label).toBe(written.replace(/\s+/g, ' '));
        else expect([undefined, written.replace(/\s+/g, ' ')]).toContain(phones[0]!.label);
      }),
      { seed, numRuns },
    );
  });

  it('finds every number of a field that gives several, in order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(ukNumber, { minLength: 1, maxLength: 4, selector: (n) => n.national }), fc.constantFrom(' or ', ', ', '; ', ' / ', ' and '), (numbers, separator) => {
        const { phones } = read(numbers.map((n) => n.written).join(separator));
        expect(phones.map((p) => digitsOf(p.number))).toEqual(numbers.map((n) => digitsOf(n.national)));
      }),
      { seed, numRuns },
    );
  });

  it('never throws and never returns a non-number, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.option(fc.constantFrom('sms', 'voice', 'text', 'fax')), (text, type) => {
        for (const found of findDialableNumbers(text, { smsField: type === 'sms' })) {
          expect(found.start).toBeLessThan(found.end);
          expect(found.end).toBeLessThanOrEqual(text.length);
          expect(digitsOf(found.number).length).toBeGreaterThanOrEqual(3);
          expect(found.number.length).toBeLessThanOrEqual(40);
        }
        const { phones } = read(text, type ? { type } : {});
        for (const p of phones) expect(p.label === undefined || p.label.length <= 200).toBe(true);
      }),
      { seed, numRuns },
    );
  });
});
