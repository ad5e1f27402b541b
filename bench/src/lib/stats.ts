/** Percentile (0..100) of the first `n` values, nearest-rank. Sorts a copy. */
export function percentiles(values: Float64Array, n: number, ps: number[]): number[] {
  if (n === 0) return ps.map(() => NaN);
  const sorted = values.slice(0, n).sort();
  return ps.map((p) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!);
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** 1234567 → "1,234,567"; keeps `digits` decimals below 100. */
export function fmt(x: number | string | undefined, digits = 1): string {
  if (x === undefined) return '';
  if (typeof x === 'string') return x;
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const d = abs >= 100 || Number.isInteger(x) ? 0 : digits;
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** Prints a Markdown table (so the output pastes into the README as is). */
export function table(title: string, headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : (c ?? ''))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  // Columns of numbers align right, text columns left.
  const numeric = headers.map((_, i) => cells.every((r) => /^[-+]?[\d,.]+( ?[×%a-zA-Z/µ]+)?$|^$|^(—|yes|NO)$/.test(String(r[i] ?? ''))));
  const line = (r: string[]) => '| ' + r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (numeric[i] ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  const out = [`\n### ${title}\n`, line(headers), sep, ...cells.map((r) => line(r.map(String)))].join('\n');
  console.log(out);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Monotonic nanoseconds since `base` as a float of milliseconds (CLOCK_MONOTONIC is shared by processes). */
export function nowMs(base: bigint): number {
  return Number(process.hrtime.bigint() - base) / 1e6;
}

/** Always `digits` decimals (ratios). */
export function fixed(x: number, digits = 2): string {
  return Number.isNaN(x) ? '—' : x.toFixed(digits);
}
