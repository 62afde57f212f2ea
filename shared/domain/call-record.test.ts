import { describe, expect, it } from 'vitest';
import { addendumHashFields, callbackMadeAt, callbackOwed, emptyCallRecordContent, type Addendum, type CallRecordContent } from './call-record';

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
