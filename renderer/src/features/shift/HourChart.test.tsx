// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ShiftSummaryBuilder } from '../../../../shared/lib/shift-summary';
import { HourChart, hourLabel } from './HourChart';

afterEach(cleanup);

const hoursOf = (from: string, to: string) =>
  new ShiftSummaryBuilder({ teamId: 't', from: new Date(from), to: new Date(to), now: new Date(to), desks: [], offlinePeriods: [], directoryProblems: [], directory: () => undefined, people: () => undefined }).finish().contacts.byHour;

describe('contacts by hour', () => {
  it('labels the hour the clocks repeat twice, BST then GMT, and leaves out the hour they skip', () => {
    const back = hoursOf('2026-10-24T19:00:00.000Z', '2026-10-25T08:00:00.000Z');
    expect(back.map((_, i) => hourLabel(back, i))).toEqual(['20:00', '21:00', '22:00', '23:00', '00:00', '01:00 BST', '01:00 GMT', '02:00', '03:00', '04:00', '05:00', '06:00', '07:00']);
    const forward = hoursOf('2026-03-28T20:00:00.000Z', '2026-03-29T07:00:00.000Z');
    expect(forward.map((_, i) => hourLabel(forward, i))).toEqual(['20:00', '21:00', '22:00', '23:00', '00:00', '02:00', '03:00', '04:00', '05:00', '06:00', '07:00']);
  });

  it('is an image named for what it shows, with every count in a table beneath', () => {
    const hours = hoursOf('2026-10-24T19:00:00.000Z', '2026-10-25T08:00:00.000Z').map((h, i) => ({ ...h, contacts: i === 2 ? 9 : 1 }));
    render(<HourChart hours={hours} />);
    const chart = screen.getByRole('img', { name: /Contacts by hour/ });
    expect(chart.textContent).toContain('Busiest hour 22:00 with 9 contacts.');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows).toHaveLength(13);
    expect(rows[5]!.textContent).toBe('25/10 01:00 BST1');
    expect(rows[6]!.textContent).toBe('25/10 01:00 GMT1');
    // Bars as tall as their counts, on a scale that holds the busiest hour.
    const bars = chart.querySelectorAll('rect');
    expect(Number(bars[2]!.getAttribute('height'))).toBeGreaterThan(Number(bars[0]!.getAttribute('height')) * 8);
  });
});
