import type { ShiftSummary } from '../../../../shared/lib/shift-summary';

/*
 * Contacts by hour as a bar chart: one bar per clock hour of the range, the hour repeated when the
 * clocks go back twice (labelled with its offset) and the skipped one not at all, as the summary
 * lists them. Drawn with SVG attributes only (the CSP forbids inline styles); the same figures
 * are in a table beneath it for screen readers and for reading exact counts.
 */

const W = 720;
const H = 180;
const PAD = { left: 32, right: 8, top: 12, bottom: 34 };

/** "20:00", or "01:00 BST" / "01:00 GMT" for an hour the clocks repeat. */
export function hourLabel(hours: ShiftSummary['contacts']['byHour'], i: number): string {
  const h = hours[i]!;
  const clock = h.londonStart.slice(11, 16);
  const repeated = hours.some((o, j) => j !== i && o.londonStart.slice(0, 16) === h.londonStart.slice(0, 16));
  if (!repeated) return clock;
  return `${clock} ${h.londonStart.endsWith('+01:00') ? 'BST' : 'GMT'}`;
}

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const step = n <= 10 ? 2 : n <= 25 ? 5 : n <= 50 ? 10 : n <= 100 ? 20 : Math.ceil(n / 500) * 100;
  return Math.ceil(n / step) * step;
}

export function HourChart({ hours }: { hours: ShiftSummary['contacts']['byHour'] }) {
  const max = niceMax(Math.max(0, ...hours.map((h) => h.contacts)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = hours.length > 0 ? plotW / hours.length : plotW;
  const bar = Math.max(1, slot * 0.72);
  // A label every hour while they fit, else every few.
  const every = Math.max(1, Math.ceil(hours.length / 12));
  const ticks = [0, max / 2, max];
  const busiest = hours.reduce((b, h, i) => (h.contacts > (hours[b]?.contacts ?? -1) ? i : b), 0);
  const described = hours.length === 0 ? 'No hours in the range.' : `Busiest hour ${hourLabel(hours, busiest)} with ${hours[busiest]!.contacts} contacts.`;
  return (
    <figure className="hour-chart">
      <svg className="hour-chart__svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="hour-chart-title hour-chart-desc" preserveAspectRatio="xMinYMin meet">
        <title id="hour-chart-title">Contacts by hour</title>
        <desc id="hour-chart-desc">{described} The exact counts are in the table below the chart.</desc>
        {ticks.map((t) => {
          const y = PAD.top + plotH - (t / max) * plotH;
          return (
            <g key={t} aria-hidden="true">
              <line className="hour-chart__grid" x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} />
              <text className="hour-chart__axis" x={PAD.left - 6} y={y + 4} textAnchor="end">
                {t}
              </text>
            </g>
          );
        })}
        {hours.map((h, i) => {
          const height = (h.contacts / max) * plotH;
          const x = PAD.left + i * slot + (slot - bar) / 2;
          return (
            <g key={h.start} aria-hidden="true">
              <rect className="hour-chart__bar" x={x} y={PAD.top + plotH - height} width={bar} height={height} />
              {h.contacts > 0 && slot >= 18 && (
                <text className="hour-chart__value" x={x + bar / 2} y={PAD.top + plotH - height - 3} textAnchor="middle">
                  {h.contacts}
                </text>
              )}
              {i % every === 0 && (
                <text className="hour-chart__axis" x={x + bar / 2} y={H - PAD.bottom + 16} textAnchor="middle">
                  {hourLabel(hours, i)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <details className="hour-chart__table">
        <summary>Contacts by hour as a table</summary>
        <table className="figures-table">
          <thead>
            <tr>
              <th scope="col">Hour starting (London)</th>
              <th scope="col" className="num">
                Contacts
              </th>
            </tr>
          </thead>
          <tbody>
            {hours.map((h, i) => (
              <tr key={h.start}>
                <th scope="row">
                  {h.londonStart.slice(8, 10)}/{h.londonStart.slice(5, 7)} {hourLabel(hours, i)}
                </th>
                <td className="num">{h.contacts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
