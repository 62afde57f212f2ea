import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DRAFT_MAX_BYTES, DraftContent, emptyCallRecordContent, jsonBytes, TEXT_LIMITS } from '../../../../shared/domain/call-record';
import { fitDraft } from '../../stores/call-session/fit-draft';
import { fromContent, toContent, type FormValues } from './form-model';

/*
 * A draft always saves (hazard H29): whatever one field of the form holds — text of any kind and
 * any length, a date or number that does not read — what is sent to be saved is a valid draft and
 * every other field in it is exactly what is on screen.
 */

const STARTED = '2026-11-22T14:02:00.000Z';

function filledForm(): FormValues {
  const c = emptyCallRecordContent(STARTED);
  c.caller = { ...c.caller, type: 'self', name: 'Sam Synthetic', nhsNumber: '9434765919', phone: '07700 900123', postcode: 'SE5 8AZ' };
  c.presentingNeed = { categories: ['low_mood'], summary: 'Synthetic summary.' };
  c.risk.formulation = 'Synthetic formulation.';
  c.referrals = [{ id: 'r1', serviceId: 'svc-1', serviceName: 'Synthetic Café', serviceType: 'crisis_cafe', serviceAgeMin: null, serviceAgeMax: null, method: 'signposted', at: STARTED, notes: 'first' }];
  c.callback = { required: true, dueAt: '2026-11-22T16:30:00.000Z', phone: '', reason: 'Synthetic.', completedAt: null };
  return fromContent(c);
}

/** Every text field of the form: the record's free text and the three typed as text. */
const FORM_TEXT_FIELDS = [...Object.keys(TEXT_LIMITS).filter((p) => !/^referrals\.\*\.(id|serviceId|serviceName)$/.test(p)).map((p) => p.replace('*', '0')), 'caller.dateOfBirth', 'caller.ageYears', 'callback.dueAt'];

function setAt(v: FormValues, path: string, value: string): FormValues {
  const copy = structuredClone(v);
  const parts = path.split('.');
  let o = copy as unknown as Record<string, unknown>;
  for (const k of parts.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[parts.at(-1)!] = value;
  return copy;
}

/** The content minus one field (and the typed text aside, which belongs to it). */
function without(c: DraftContent, path: string): unknown {
  const copy = structuredClone(c) as unknown as Record<string, unknown>;
  const parts = path.split('.');
  let o = copy;
  for (const k of parts.slice(0, -1)) o = o[k] as Record<string, unknown>;
  delete o[parts.at(-1)!];
  delete copy.typed;
  return copy;
}

// Anything that can be typed or pasted, from nothing to past the whole-record bound (1,048,576 bytes).
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.tuple(fc.constantFrom('a', '€', '😀', '\u0001', '"'), fc.integer({ min: 1, max: 1_500_000 })).map(([ch, n]) => ch.repeat(Math.ceil(n / ch.length))),
);

describe('fitting what is on screen into a draft', () => {
  const seed = Number(process.env.FC_SEED ?? 20_261_122);

  it('whatever one field holds, the draft is valid and every other field is saved exactly as typed (property)', () => {
    const base = toContent(filledForm());
    fc.assert(
      fc.property(fc.constantFrom(...FORM_TEXT_FIELDS), anyText, fc.string({ maxLength: 40 }), (path, value, otherEdit) => {
        // One field holds the value; another field is edited afterwards.
        const other = path === 'risk.formulation' ? 'interventions.notes' : 'risk.formulation';
        const form = setAt(setAt(filledForm(), path, value), other, `edited after: ${otherEdit}`);
        const onScreen = toContent(form);
        const { content, heldBack } = fitDraft(onScreen, base);
        expect(DraftContent.safeParse(content).success).toBe(true);
        expect(jsonBytes(content)).toBeLessThanOrEqual(DRAFT_MAX_BYTES);
        expect(without(content, path)).toEqual(without(onScreen, path));
        if (heldBack.length === 0) expect(content).toEqual(onScreen);
        else expect(heldBack).toEqual([path]);
      }),
      { seed, numRuns: Number(process.env.FC_RUNS ?? 80) },
    );
  });

  it('a pasted 100,000-character summary is saved whole; three million characters are held back and the rest saved', () => {
    const base = toContent(filledForm());
    const pasted = toContent(setAt(filledForm(), 'presentingNeed.summary', 'x'.repeat(100_000)));
    expect(fitDraft(pasted, base)).toEqual({ content: pasted, heldBack: [] });

    const huge = toContent(setAt(setAt(filledForm(), 'presentingNeed.summary', 'x'.repeat(3_000_000)), 'caller.name', 'Typed after the paste'));
    const fitted = fitDraft(huge, base);
    expect(fitted.heldBack).toEqual(['presentingNeed.summary']);
    expect(fitted.content.presentingNeed.summary).toBe(base.presentingNeed.summary);
    expect(fitted.content.caller.name).toBe('Typed after the paste');
  });

  it('when two fields together pass the bound, the larger is held back and the other saved', () => {
    const base = toContent(filledForm());
    const two = toContent(setAt(setAt(filledForm(), 'presentingNeed.summary', 'x'.repeat(700_000)), 'risk.formulation', 'y'.repeat(400_000)));
    const fitted = fitDraft(two, base);
    expect(fitted.heldBack).toEqual(['presentingNeed.summary']);
    expect(fitted.content.risk.formulation).toHaveLength(400_000);
  });
});
