/** ANSI styles the CLI uses: [on, off]. */
const SGR = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof SGR;
export type Paint = (style: Style, text: string) => string;

/**
 * Colour for a person at a terminal only: never into a pipe or a file, never with `NO_COLOR` set
 * (no-color.org); `FORCE_COLOR` (not `0`) turns it on anyway.
 */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true;
}

export function painter(on: boolean): Paint {
  if (!on) return (_style, text) => text;
  return (style, text) => `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m`;
}
