import type { ReactNode } from 'react';

/** Pretty-printed JSON with the value types coloured (keys, strings, numbers, literals). */
export function JsonView({ value }: { value: unknown }) {
  return <pre className="json">{render(value, 0)}</pre>;
}

function render(v: unknown, depth: number): ReactNode {
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (v === null) return <span className="j-lit">null</span>;
  if (typeof v === 'string') return <span className="j-str">{JSON.stringify(v)}</span>;
  if (typeof v === 'number') return <span className="j-num">{v}</span>;
  if (typeof v === 'boolean') return <span className="j-lit">{String(v)}</span>;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {v.map((x, i) => (
          <span key={i}>
            {pad}
            {render(x, depth + 1)}
            {i < v.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {end + ']'}
      </>
    );
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return (
      <>
        {'{\n'}
        {entries.map(([k, x], i) => (
          <span key={k}>
            {pad}
            <span className="j-key">{JSON.stringify(k)}</span>
            {': '}
            {render(x, depth + 1)}
            {i < entries.length - 1 ? ',\n' : '\n'}
          </span>
        ))}
        {end + '}'}
      </>
    );
  }
  // Left: what JSON cannot hold (undefined, bigint, symbol, function), as JavaScript prints it.
  if (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function') return v.toString();
  return 'undefined';
}
