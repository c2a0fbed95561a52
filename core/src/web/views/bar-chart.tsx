/** @jsxImportSource hono/jsx */
/**
 * @module A usage chart as server-rendered SVG bars (no chart library, no script): each bar has a `<title>` for
 * pointer users, and the same numbers are in a caption and a table for screen readers and for copying.
 */
import type { Bucket, Granularity } from '../usage-series.js';

const WIDTH = 480;
const HEIGHT = 120;

const label = (start: string, granularity: Granularity) => (granularity === 'hour' ? `${start.slice(11, 16)} UTC` : start.slice(0, 10));

/** The axis ends carry the date too: the first hour of a 24-hour window is yesterday's. */
const tick = (start: string, granularity: Granularity) =>
  granularity === 'hour' ? `${start.slice(5, 10)} ${label(start, granularity)}` : label(start, granularity);

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export const BarChart = ({ title, buckets, granularity }: { title: string; buckets: Bucket[]; granularity: Granularity }) => {
  const total = buckets.reduce((sum, b) => sum + b.calls, 0);
  const errors = buckets.reduce((sum, b) => sum + b.errors, 0);
  const max = Math.max(1, ...buckets.map((b) => b.calls));
  const slot = WIDTH / buckets.length;
  const span = granularity === 'hour' ? 'the last 24 hours' : 'the last 30 days';
  return (
    <figure class="chart" data-total={String(total)}>
      <figcaption>
        <strong>{title}</strong>: {plural(total, 'call')} in {span}
        {errors > 0 ? `, ${plural(errors, 'error')}` : ''}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 16}`} role="img" aria-label={`${title}: ${plural(total, 'call')} in ${span}`}>
        <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis" />
        {buckets.map((b, i) => {
          const h = b.calls === 0 ? 0 : Math.max(2, Math.round((b.calls / max) * (HEIGHT - 4)));
          const eh = b.errors === 0 ? 0 : Math.max(1, Math.round((b.errors / max) * (HEIGHT - 4)));
          return (
            <g class="bar" data-calls={String(b.calls)}>
              <title>{`${label(b.start, granularity)}: ${plural(b.calls, 'call')}, ${plural(b.errors, 'error')}`}</title>
              <rect x={(i * slot + 1).toFixed(1)} y={HEIGHT - h} width={(slot - 2).toFixed(1)} height={h} class="calls" />
              {eh > 0 && <rect x={(i * slot + 1).toFixed(1)} y={HEIGHT - eh} width={(slot - 2).toFixed(1)} height={eh} class="errors" />}
            </g>
          );
        })}
        <text x="0" y={HEIGHT + 13} class="tick">
          {tick(buckets[0]?.start ?? '', granularity)}
        </text>
        <text x={WIDTH} y={HEIGHT + 13} class="tick end">
          {tick(buckets[buckets.length - 1]?.start ?? '', granularity)}
        </text>
      </svg>
      {total > 0 && (
        <details>
          <summary>Numbers</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">{granularity === 'hour' ? 'Hour' : 'Day'}</th>
                <th scope="col">Calls</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              {buckets
                .filter((b) => b.calls > 0)
                .map((b) => (
                  <tr>
                    <td>{label(b.start, granularity)}</td>
                    <td>{b.calls}</td>
                    <td>{b.errors}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
};
