import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(f) ? [p] : [];
  });
}

/** Relative imports and re-exports (type-only ones too: a cycle of types is still two concepts knotted). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sources(SRC)) {
    const text = readFileSync(f, 'utf8');
    const deps = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) =>
      resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts')),
    );
    g.set(f, deps);
  }
  return g;
}

function cycles(g: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of g.get(n) ?? []) {
      if (state.get(d) === 'open') found.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('packages/client/src import graph', () => {
  it('resolves every relative import to a source file', () => {
    const g = graph();
    expect(g.size).toBeGreaterThan(20);
    const missing = [...g.entries()].flatMap(([f, deps]) => deps.filter((d) => !g.has(d)).map((d) => `${relative(SRC, f)} → ${relative(SRC, d)}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph())).toEqual([]);
  });

  it('only the facade and the index import the facade; the session never imports it', () => {
    const g = graph();
    const client = join(SRC, 'client.ts');
    const importers = [...g.entries()].filter(([, deps]) => deps.includes(client)).map(([f]) => relative(SRC, f));
    expect(importers).toEqual(['index.ts']);
  });
});
