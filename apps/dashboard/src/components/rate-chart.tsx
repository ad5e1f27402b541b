import type { RateSample } from '@livehub/protocol/core';
import { num } from '../format';
import { useWidth } from './use-width';

const HEIGHT = 220;
const PAD = { top: 16, right: 16, bottom: 28, left: 48 };

/** A round axis maximum: 1, 2, 5 × 10ⁿ above the data. */
function niceMax(v: number): number {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const SERIES = [
  { key: 'events', label: 'events/s', className: 'series-a' },
  { key: 'deliveries', label: 'deliveries/s', className: 'series-b' },
] as const;

/** The window shown: the hub's uptime, between one minute and `max` seconds. */
export function windowSeconds(samples: RateSample[], now: number, max: number): number {
  const first = samples[0]?.t ?? now;
  return Math.min(max, Math.max(60, Math.ceil((now - first) / 60_000) * 60));
}

/**
 * Events/s and deliveries/s over a window ending now, hand-drawn in SVG. Seconds the hub has no
 * sample for (before it started) are left blank rather than drawn as zero.
 */
export function RateChart({ samples, seconds, now }: { samples: RateSample[]; seconds: number; now: number }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const end = Math.floor(now / 1000) * 1000;
  const start = end - seconds * 1000;
  const visible = samples.filter((s) => s.t >= start && s.t <= end);
  const max = niceMax(Math.max(0, ...visible.map((s) => Math.max(s.events, s.deliveries))));
  const w = width - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - start) / (end - start)) * w;
  const y = (v: number) => PAD.top + h - (v / max) * h;
  const path = (key: 'events' | 'deliveries') => visible.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`).join('');
  const area = (key: 'events' | 'deliveries') =>
    visible.length > 1 ? `${path(key)}L${x(visible.at(-1)!.t).toFixed(1)},${y(0)}L${x(visible[0]!.t).toFixed(1)},${y(0)}Z` : '';
  const last = visible.at(-1);
  const ticksY = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const stepS = seconds > 120 ? 60 : 10;
  const ticksX: number[] = [];
  for (let t = end; t >= start; t -= stepS * 1000) ticksX.push(t);

  return (
    <div className="chart" ref={ref} data-testid="rate-chart">
      <div className="chart-legend">
        {SERIES.map((s) => (
          <span key={s.key} className={`legend ${s.className}`}>
            <i aria-hidden /> {s.label} <b>{last ? num(last[s.key]) : '—'}</b>
          </span>
        ))}
      </div>
      <svg width={width} height={HEIGHT} role="img" aria-label={`Events and deliveries per second over the last ${seconds / 60} minutes`}>
        {ticksY.map((v) => (
          <g key={v}>
            <line className="grid" x1={PAD.left} x2={PAD.left + w} y1={y(v)} y2={y(v)} />
            <text className="axis" x={PAD.left - 8} y={y(v) + 4} textAnchor="end">
              {num(v)}
            </text>
          </g>
        ))}
        {ticksX.map((t) => (
          <text key={t} className="axis" x={x(t)} y={HEIGHT - 8} textAnchor="middle">
            {t === end ? 'now' : stepS === 60 ? `-${Math.round((end - t) / 60000)}m` : `-${Math.round((end - t) / 1000)}s`}
          </text>
        ))}
        {SERIES.map((s) => (
          <g key={s.key} className={s.className}>
            <path className="area" d={area(s.key)} />
            <path className="line" d={path(s.key)} />
          </g>
        ))}
        {visible.length === 0 && (
          <text className="axis" x={PAD.left + w / 2} y={PAD.top + h / 2} textAnchor="middle">
            Waiting for the first second of data…
          </text>
        )}
      </svg>
    </div>
  );
}
