import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../src/codes.js';
import { findCloseCodeLiterals, scanTree } from './helpers/close-code-literals.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CODES: ReadonlySet<number> = new Set(Object.values(CloseCode));
/** The catalogue is the one place a close code is a number. */
const CATALOGUE = join('packages', 'protocol', 'src', 'codes.ts');

/** `packages/*\/src` and `apps/*\/src`. */
function sourceDirs(): string[] {
  const dirs: string[] = [];
  for (const top of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, top))) if (existsSync(join(ROOT, top, name, 'src'))) dirs.push(join(top, name, 'src'));
  }
  return dirs;
}

describe('the close-code literal scanner', () => {
  const codes = (src: string) => findCloseCodeLiterals(src, CODES).map((o) => o.code);
  it.each([
    ['ws.close(1001, "bye")', [1001]],
    ['if (code === 4401) refresh();', [4401]],
    ['send({ closeCode: 4408 })', [4408]],
    ['const ABNORMAL_CLOSE = 1006;', [1006]],
    ['hub.closed(conn, sink.closedWith ?? 1000, reason)', [1000]],
    ['throw new Error(`closed ${code} (4403).`)', [4403]],
    ['reason = code === 1_008 ? "policy" : ""', [1008]],
  ])('flags %s', (src, expected) => {
    expect(codes(src)).toEqual(expected);
  });

  it.each([
    'ws.close(CloseCode.GoingAway, "bye")',
    '// closes with 1001 at shutdown',
    '/** closed 4401 at expiry */ const x = 1;',
    'setTimeout(done, 1000)',
    'limit: z.number().max(10_000).default(1000)',
    'const code = 1001.5',
    'closeCode: 4999',
  ])('passes %s', (src) => {
    expect(codes(src)).toEqual([]);
  });

  it('reports file and line', () => {
    expect(findCloseCodeLiterals('const a = 1;\n/* 4401\n*/\nws.close(4401);', CODES, 'x.ts')).toEqual([
      { where: 'x.ts:4', code: 4401, line: 'ws.close(4401);' },
    ]);
  });
});

describe('no close code is a literal outside the catalogue', () => {
  it('in packages/*/src and apps/*/src', () => {
    const dirs = sourceDirs();
    expect(dirs).toContain(join('packages', 'server', 'src'));
    const offences = scanTree(ROOT, dirs, CODES, [CATALOGUE]);
    const report = offences.map((o) => `${o.where}: ${o.code} in \`${o.line}\` (use CloseCode.X from @livehub/protocol)`).join('\n');
    expect(offences, `close codes spelled as literals:\n${report}`).toEqual([]);
  });
});
