import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeAction } from '../src/close-policy.js';
import { CloseCode, ErrorCodes, errorCodeForClose } from '../src/codes.js';

// The catalogue (codes.ts, close-policy.ts) and the normative doc are held to each other, both
// ways: every code is documented with what the code says, and the doc names no code the
// catalogue lacks (fastify's test/internals/errors.test.js does the same for its Errors.md).
const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'protocol.md'), 'utf8');

/** The text of a section, from its heading line to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => l === heading);
  expect(start, `docs/protocol.md has no heading '${heading}'`).toBeGreaterThanOrEqual(0);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Body rows of the markdown tables in `text`, as trimmed cells (header and separator rows dropped). */
function rows(text: string): string[][] {
  const out: string[][] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (!inTable) {
      inTable = true; // header row
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    out.push(cells);
  }
  return out;
}

const unquote = (cell: string) => cell.replace(/^`(.*)`$/, '$1');
const closeEntries = Object.entries(CloseCode) as [string, number][];
/** A code in no table row and not in the catalogue, for the "any other" row. */
const UNKNOWN_CODE = 4999;

describe('docs/protocol.md and the catalogue', () => {
  it('the Errors table lists every error code with its HTTP status, and no other', () => {
    const documented = new Map<string, number>();
    for (const cells of rows(section('## Errors'))) {
      const code = unquote(cells[0]!);
      expect(documented.has(code), `'${code}' is documented twice`).toBe(false);
      documented.set(code, Number(cells[1]));
    }
    const catalogue = new Map(Object.entries(ErrorCodes).map(([code, spec]) => [code, spec.status]));
    for (const [code, status] of catalogue) expect(documented.get(code), `error code '${code}' (HTTP ${status})`).toBe(status);
    for (const code of documented.keys()) expect(catalogue.has(code), `the doc names error code '${code}', which codes.ts lacks`).toBe(true);
  });

  it('the Close codes table lists every close code with its name, and no other', () => {
    const table = rows(section('## Close codes').split('### ')[0]!);
    for (const c of table) expect(c[0], 'a close-code row starts with the code, a number').toMatch(/^\d+$/);
    const documented = table.map((c) => [c[1]!, Number(c[0])] as [string, number]);
    expect(new Map(documented).size, 'a close code documented twice').toBe(documented.length);
    expect(new Map(documented)).toEqual(new Map(closeEntries));
  });

  it('the Close policy table gives closeAction and the SSE terminal code of every close code, and of any other', () => {
    const table = rows(section('### Close policy: `closeAction`'));
    const byCode = new Map(table.filter((c) => /^\d+$/.test(c[0]!)).map((c) => [Number(c[0]), c]));
    expect(byCode.size + 1, 'one row per close code, plus "any other"').toBe(table.length);
    for (const [name, code] of closeEntries) {
      const row = byCode.get(code);
      expect(row, `close code ${code} (${name}) has no policy row`).toBeDefined();
      expect(row![1], `name of ${code}`).toBe(name);
      expect(unquote(row![2]!), `closeAction(${code})`).toBe(closeAction(code));
      expect(unquote(row![4]!), `errorCodeForClose(${code})`).toBe(errorCodeForClose(code));
    }
    for (const code of byCode.keys())
      expect(
        closeEntries.some(([, c]) => c === code),
        `the policy table names ${code}, which codes.ts lacks`,
      ).toBe(true);
    const other = table.find((c) => c[0] === 'any other');
    expect(other, 'an "any other" row').toBeDefined();
    expect(closeEntries.some(([, c]) => c === UNKNOWN_CODE)).toBe(false);
    expect(unquote(other![2]!)).toBe(closeAction(UNKNOWN_CODE));
    expect(unquote(other![4]!)).toBe(errorCodeForClose(UNKNOWN_CODE));
  });
});
