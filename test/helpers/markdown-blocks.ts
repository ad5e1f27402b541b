import { readFileSync } from 'node:fs';

/** One fenced code block of a Markdown file. */
export interface CodeBlock {
  /** Path of the Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence: the block's first line is `line + 1`. */
  line: number;
  /** The fence's language (first word of the info string), lower case; '' if none. */
  lang: string;
  /** A file name after the language (```ts collections.ts): other blocks of the same doc may import it. */
  name: string | undefined;
  /** The block's text, without the fences and without the fence's own indentation (blocks in lists). */
  code: string;
  /** Marked `<!-- no-check -->` on the line right before the fence: deliberately partial, not checked. */
  noCheck: boolean;
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([^\s`]*)\s*([^\s`]*)/;

/** Every fenced code block of `file` (read relative to `root`), in order. */
export function codeBlocks(root: string, file: string): CodeBlock[] {
  const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang, name] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    // A closing fence: the same character, at least as long, nothing after it.
    while (j < lines.length && !new RegExp(`^ *${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) {
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
      j++;
    }
    blocks.push({
      file,
      line: i + 1,
      lang: lang.toLowerCase(),
      name: name || undefined,
      code: body.join('\n'),
      noCheck: lines[i - 1]?.trim() === '<!-- no-check -->',
    });
    i = j;
  }
  return blocks;
}
