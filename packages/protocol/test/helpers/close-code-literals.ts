import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Finds close codes spelled as number literals. A close code belongs in the catalogue
 * (`CloseCode.X`); a literal elsewhere drifts from it silently.
 */

export interface Offence {
  /** `path:line` relative to the scanned root. */
  where: string;
  code: number;
  line: string;
}

/** Replaces comments with spaces (keeping line breaks), so a comment that mentions a code is not an offence. Strings are kept. */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  let quote: string | undefined;
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (quote) {
      out += c;
      if (c === '\\') {
        out += next ?? '';
        i += 2;
        continue;
      }
      if (c === quote) quote = undefined;
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Words that make a line a close/code context: a number there equal to a close code is one. */
const CONTEXT = /clos|code|terminat|disconnect|reason/i;
const NUMBER = /(?<![\w.])\d[\d_]*(?!\w|\.\d)/g;

/** Close-code literals in one source text: numbers equal to a catalogue close code, on a line that talks about closing or codes. */
export function findCloseCodeLiterals(src: string, codes: ReadonlySet<number>, file = '<source>'): Offence[] {
  const found: Offence[] = [];
  const lines = stripComments(src).split('\n');
  lines.forEach((line, i) => {
    if (!CONTEXT.test(line)) return;
    for (const m of line.matchAll(NUMBER)) {
      const n = Number(m[0].replace(/_/g, ''));
      if (codes.has(n)) found.push({ where: `${file}:${i + 1}`, code: n, line: line.trim() });
    }
  });
  return found;
}

/** Every `.ts`/`.tsx` file under `dir` (no `node_modules`, `dist`, tests). */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name) && !/\.(test|spec)\.tsx?$/.test(name) && !name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(dir);
  return files;
}

export function scanTree(root: string, dirs: readonly string[], codes: ReadonlySet<number>, exclude: readonly string[]): Offence[] {
  const out: Offence[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const rel = relative(root, file);
      if (exclude.includes(rel)) continue;
      out.push(...findCloseCodeLiterals(readFileSync(file, 'utf8'), codes, rel));
    }
  }
  return out;
}
