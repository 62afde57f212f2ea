import { describe, expect, it } from 'vitest';
import { currentShift, DEFAULT_SHIFT_PRESETS, ShiftPreset, shiftOn } from './shift-presets';

const [DAY, NIGHT] = DEFAULT_SHIFT_PRESETS as [ShiftPreset, ShiftPreset];
const hours = (r: { from: Date; to: Date }) => (r.to.getTime() - r.from.getTime()) / 3_600_000;

describe('team shift presets', () => {
  it('runs a night shift by London clocks across both changes: 13 hours in October, 11 in March', () => {
    const october = shiftOn(NIGHT, '2026-10-24');
    expect([october.from.toISOString(), october.to.toISOString(), hours(october)]).toEqual(['2026-10-24T19:00:00.000Z', '2026-10-25T08:00:00.000Z', 13]);
    const march = shiftOn(NIGHT, '2026-03-28');
    expect([march.from.toISOString(), march.to.toISOString(), hours(march)]).toEqual(['2026-03-28T20:00:00.000Z', '2026-03-29T07:00:00.000Z', 11]);
    expect(hours(shiftOn(DAY, '2026-10-25'))).toBe(12);
    expect(hours(shiftOn(NIGHT, '2026-07-01'))).toBe(12);
  });

  it('starts or ends a shift inside the repeated hour the first time the clocks show it, and inside the skipped hour when they jump', () => {
    const late: ShiftPreset = { id: 'late', label: 'Late', start: '17:00', end: '01:30' };
    expect(shiftOn(late, '2026-10-24').to.toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 01:30 BST, the first one
    const early: ShiftPreset = { id: 'early', label: 'Early', start: '01:30', end: '09:00' };
    expect(shiftOn(early, '2026-03-29').from.toISOString()).toBe('2026-03-29T01:00:00.000Z'); // 01:30 never happens: the jump
  });

  it('takes a shift that ends at its start time as 24 hours', () => {
    expect(hours(shiftOn({ id: 'all', label: 'All day', start: '09:00', end: '09:00' }, '2026-05-01'))).toBe(24);
  });

  it('finds the shift under way, or the one that ended last', () => {
    expect(currentShift(DEFAULT_SHIFT_PRESETS, new Date('2026-10-25T03:00:00.000Z'))).toMatchObject({ preset: { id: 'night' }, date: '2026-10-24' });
    expect(currentShift(DEFAULT_SHIFT_PRESETS, new Date('2026-10-25T08:00:00.000Z'))).toMatchObject({ preset: { id: 'day' }, date: '2026-10-25' });
    expect(currentShift([{ id: 'n', label: 'Night', start: '22:00', end: '06:00' }], new Date('2026-05-01T12:00:00.000Z'))).toMatchObject({ date: '2026-04-30' });
    expect(currentShift([], new Date())).toBeNull();
  });

  it('refuses malformed presets naming the field', () => {
    const r = ShiftPreset.safeParse({ id: 'Night!', label: '', start: '24:00', end: '8:00' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['end', 'id', 'label', 'start']);
  });
});
