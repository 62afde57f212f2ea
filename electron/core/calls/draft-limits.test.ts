import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../shared/contract';
import { DRAFT_MAX_BYTES, TEXT_LIMITS, type CallRecord, type DraftContent } from '../../../shared/domain/call-record';
import { MutationPayload } from '../../../shared/sync/protocol';
import { Core } from '../core';
import { completeContent, makeTempDir, randomKey } from './test-fixtures';

/*
 * A draft always saves (hazard H29): through the core's contract, exactly as the screen calls it,
 * a value over its clinical limit in one field never stops a later save of another field, and the
 * limit binds only when the record is finalised, named at its field.
 */

const GEO_DIR = path.resolve(import.meta.dirname, '../../../data/geo');

let tmp: ReturnType<typeof makeTempDir>;
let core: Core;

beforeEach(() => {
  tmp = makeTempDir();
  core = Core.open({ dataDir: tmp.dir, deskKey: randomKey(), geoDir: GEO_DIR });
});
afterEach(() => {
  core.close();
  tmp.remove();
});

async function call<T>(method: string, params: unknown): Promise<T> {
  const r = (await core.handle(method, params)) as Envelope<T>;
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

async function newDraft(): Promise<CallRecord> {
  return call<CallRecord>('calls.create', {});
}

async function save(record: { id: string }, revision: number, content: DraftContent): Promise<number> {
  return (await call<{ revision: number }>('calls.save', { id: record.id, revision, content })).revision;
}

/** Sets a text field by its TEXT_LIMITS path (a referral's field in the record's only referral). */
function withText(content: DraftContent, pattern: string, value: string): { content: DraftContent; field: string } {
  const c = structuredClone(content);
  const parts = pattern.split('.');
  if (parts[1] === '*') {
    (c.referrals[0] as Record<string, unknown>)[parts[2]!] = value;
    return { content: c, field: `referrals.0.${parts[2]}` };
  }
  let o = c as unknown as Record<string, unknown>;
  for (const k of parts.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[parts.at(-1)!] = value;
  return { content: c, field: pattern };
}

function withReferral(c: DraftContent): DraftContent {
  return {
    ...c,
    outcome: { code: '03', notes: '' },
    referrals: [{ id: 'r1', serviceId: 'svc-1', serviceName: 'Synthetic Crisis Café', serviceType: 'crisis_cafe', serviceAgeMin: null, serviceAgeMax: null, method: 'signposted', at: c.startedAt, notes: '' }],
  };
}

describe('a draft with a pasted 100,000-character summary', () => {
  it('saves, later saves of other fields save too, and finalising names the summary', async () => {
    const draft = await newDraft();
    const pasted = 'Synthetic pasted text. '.repeat(4348).slice(0, 100_000);
    let revision = await save(draft, draft.revision, { ...completeContent(draft.content.startedAt), presentingNeed: { categories: ['low_mood'], summary: pasted } });
    const typedAfter = await call<CallRecord>('calls.get', { id: draft.id });
    revision = await save(draft, revision, { ...typedAfter.content, caller: { ...typedAfter.content.caller, phone: '07700 900123' }, risk: { ...typedAfter.content.risk, formulation: 'Typed after the paste.' } });

    const stored = await call<CallRecord>('calls.get', { id: draft.id });
    expect(stored.revision).toBe(revision);
    expect(stored.content.presentingNeed.summary).toBe(pasted);
    expect(stored.content.caller.phone).toBe('07700 900123');
    expect(stored.content.risk.formulation).toBe('Typed after the paste.');
    // The change the server will be sent carries all of it.
    const queued = core.desk.db.prepare("SELECT payload FROM outbox WHERE record_id = ? AND kind = 'upsert' ORDER BY seq DESC").pluck().get(draft.id) as string;
    expect(MutationPayload.parse(JSON.parse(queued))).toMatchObject({ kind: 'upsert', content: { presentingNeed: { summary: pasted }, caller: { phone: '07700 900123' } } });

    const refused = await core.handle('calls.finalise', { id: draft.id, revision });
    expect(refused).toMatchObject({ ok: false, error: { code: 'finalise_incomplete' } });
    const fields = refused.ok ? [] : refused.error.fields!;
    expect(fields).toEqual([{ field: 'presentingNeed.summary', message: expect.stringMatching(/^Too long to finalise: 100,000 characters, and a finalised record holds at most 5,000 here\. Shorten it by 95,000/) }]);
    expect((await call<CallRecord>('calls.get', { id: draft.id })).status).toBe('draft');

    // Shortened, it finalises.
    revision = await save(draft, revision, { ...stored.content, presentingNeed: { categories: ['low_mood'], summary: pasted.slice(0, 5000) } });
    expect((await call<CallRecord>('calls.finalise', { id: draft.id, revision })).status).toBe('finalised');
  });
});

describe('every text field', () => {
  it('over its limit does not stop a later save of another field; finalising names that field', async () => {
    for (const [pattern, limit] of Object.entries(TEXT_LIMITS)) {
      const draft = await newDraft();
      const base = withReferral(completeContent(draft.content.startedAt));
      const over = withText(base, pattern, 'Z'.repeat(limit * 3 + 1));
      let revision = await save(draft, draft.revision, over.content);
      // Another field typed afterwards (the interventions' notes, or the consent notes when the long one is those).
      const other = pattern === 'interventions.notes' ? 'consent.notes' : 'interventions.notes';
      revision = await save(draft, revision, withText(over.content, other, `later edit after ${pattern}`).content);
      const stored = await call<CallRecord>('calls.get', { id: draft.id });
      expect(stored.content, pattern).toEqual(withText(over.content, other, `later edit after ${pattern}`).content);
      const refused = await core.handle('calls.finalise', { id: draft.id, revision });
      expect(refused.ok, pattern).toBe(false);
      if (!refused.ok) expect(refused.error.fields?.map((f) => f.field), pattern).toEqual([over.field]);
    }
  });
});

describe('a date, time or number typed so that it does not read', () => {
  it('is kept as typed in the draft, and finalising names its field', async () => {
    const draft = await newDraft();
    const content: DraftContent = { ...completeContent(draft.content.startedAt), typed: { 'caller.dateOfBirth': '31/02/1990', 'caller.ageYears': 'about forty' } };
    const revision = await save(draft, draft.revision, content);
    expect((await call<CallRecord>('calls.get', { id: draft.id })).content.typed).toEqual({ 'caller.dateOfBirth': '31/02/1990', 'caller.ageYears': 'about forty' });
    const refused = await core.handle('calls.finalise', { id: draft.id, revision });
    expect(refused.ok ? [] : refused.error.fields?.map((f) => f.field)).toEqual(['caller.dateOfBirth', 'caller.ageYears']);
  });
});

describe('the whole-record bound', () => {
  it('a draft over it is refused with a reason, and the saved draft is untouched', async () => {
    const draft = await newDraft();
    const content = completeContent(draft.content.startedAt);
    const revision = await save(draft, draft.revision, content);
    const huge = { ...content, presentingNeed: { categories: [], summary: 'x'.repeat(DRAFT_MAX_BYTES) } };
    const refused = await core.handle('calls.save', { id: draft.id, revision, content: huge });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_params', message: expect.stringMatching(/too large to save/) } });
    const stored = await call<CallRecord>('calls.get', { id: draft.id });
    expect(stored.revision).toBe(revision);
    expect(stored.content).toEqual(content);
  });
});
