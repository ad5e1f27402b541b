import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codeBlocks, type CodeBlock } from './helpers/markdown-blocks.js';

/**
 * The examples in the docs compile: every ```ts / ```tsx block of README.md and docs/ is written
 * to a file of its own and all of them are type-checked in one `tsc` run, under strict, as a user's
 * ESM app (Vite or Node) would check them against the built packages. ```json blocks parse.
 * A block marked `<!-- no-check -->` on the line before its fence is skipped; a file name after
 * the language makes a block importable by the doc's other blocks (see docs/architecture.md).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Inside the repository, so `@livehub/*`, react and zod resolve from its node_modules; `.tmp/` is gitignored. */
const OUT = join(ROOT, '.tmp/docs-typecheck');
const TS_LANGS: Record<string, 'ts' | 'tsx'> = { ts: 'ts', typescript: 'ts', tsx: 'tsx' };

function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

const blocks = docFiles().flatMap((f) => codeBlocks(ROOT, f));
const where = (b: CodeBlock, lineInBlock = 1) => `${b.file}:${b.line + lineInBlock}`;

/** The compiler settings of an app that uses livehub: strict, ESM, React's automatic JSX, DOM and Node globals. */
const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    jsx: 'react-jsx',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: ['node', 'vite/client'],
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['**/*.ts', '**/*.tsx'],
};

/** `file(line,col): error TS…: message` from tsc's plain output, with its continuation lines. */
function tscErrors(output: string): Array<{ file: string; line: number; col: number; text: string }> {
  const errors: Array<{ file: string; line: number; col: number; text: string }> = [];
  for (const l of output.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(l);
    if (m) errors.push({ file: m[1]!, line: Number(m[2]), col: Number(m[3]), text: m[4]! });
    else if (l.trim() && errors.length) errors.at(-1)!.text += `\n    ${l.trim()}`;
  }
  return errors;
}

describe('docs code blocks', () => {
  it('every ts/tsx block type-checks under strict, against the built packages', async () => {
    const checked = blocks.filter((b) => TS_LANGS[b.lang] && !b.noCheck);
    expect(checked.length).toBeGreaterThan(20);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const byFile = new Map<string, CodeBlock>();
    for (const b of checked) {
      // One folder per doc: a named block (```ts collections.ts) is importable by that doc's others as './collections.js'.
      const dir = b.file.replace(/[/.]/g, '_');
      const name = `${dir}/${b.name ?? `L${b.line}.${TS_LANGS[b.lang]}`}`;
      expect(byFile.has(name), `${where(b, 0)}: a second block named ${b.name}`).toBe(false);
      byFile.set(name, b);
      mkdirSync(join(OUT, dir), { recursive: true });
      // Each block is a module of its own (top-level await, no names shared between blocks).
      writeFileSync(join(OUT, name), `${b.code}\nexport {};\n`);
    }
    writeFileSync(join(OUT, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const output = await promisify(execFile)(process.execPath, [tsc, '-p', OUT, '--pretty', 'false']).then(
      (r) => r.stdout,
      (err: { stdout?: string; message: string }) => err.stdout || err.message,
    );
    const problems = tscErrors(output)
      .map((e) => {
        const b = byFile.get(e.file.split(/[\\/]/).slice(-2).join('/'));
        return b ? `${where(b, e.line)}:${e.col} ${e.text}` : `${e.file}:${e.line}:${e.col} ${e.text}`;
      })
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(problems.join('\n'), 'doc examples that do not compile (file:line of the doc)').toBe('');
  }, 60_000);

  it('every json block parses: one JSON value, or one per line', () => {
    const problems: string[] = [];
    for (const b of blocks.filter((x) => x.lang === 'json' && !x.noCheck)) {
      try {
        JSON.parse(b.code);
        continue;
      } catch {
        // Not one value: a sequence of messages, one per line.
      }
      b.code.split('\n').forEach((l, i) => {
        if (!l.trim()) return;
        try {
          JSON.parse(l);
        } catch (err) {
          problems.push(`${where(b, i + 1)} ${(err as Error).message}`);
        }
      });
    }
    expect(problems.join('\n'), 'json blocks that are not JSON').toBe('');
  });

  it('no-check stays the exception', () => {
    const skipped = blocks.filter((b) => b.noCheck).map((b) => where(b, 0));
    expect(skipped.length, skipped.join(', ')).toBeLessThanOrEqual(3);
  });
});
