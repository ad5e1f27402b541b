import { REDACTED, loggableUrl } from '../log-redaction.js';
import type { ResolvedHubOptions } from '../options.js';

/** Where an option's value came from: `--port`, `PORT`, `config /srv/livehub.config.json`, `default`. */
export type OptionSources = Record<string, string>;

export interface EffectiveOption {
  /** Dotted path in the options (`limits.maxQueueBytes`). */
  path: string;
  value: string;
  source: string;
}

/** Runtime objects, not settings. */
const SKIPPED = new Set(['logger', 'bus', 'authenticator', 'store', 'collections']);
/** Objects whose keys are names (rules per collection or channel pattern): listed by name, not walked. */
const BY_NAME = new Set(['authorization.collections', 'authorization.channels']);
const SECRET_PATH = /secret|password|token/i;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(obj: unknown, path: string[]): boolean {
  let at: unknown = obj;
  for (const key of path) {
    if (!isPlainObject(at) || !(key in at)) return false;
    at = at[key];
  }
  return at !== undefined;
}

/** A value as printed: secrets redacted, a PEM summarised, a URL without its password. */
function show(path: string, v: unknown): string {
  if (typeof v === 'function') return '(function)';
  if (typeof v === 'string') {
    if (SECRET_PATH.test(path)) return `${REDACTED} (${v.length} characters)`;
    if (v.includes('-----BEGIN')) return `PEM (${v.split('\n')[0]!.replace(/-/g, '').trim().toLowerCase()}, ${v.length} characters)`;
    return loggableUrl(v);
  }
  return JSON.stringify(v) ?? String(v);
}

/**
 * Every option the hub runs with and where each came from: `sources` (flags, environment) first,
 * then the config file (`fileOptions`), else the schema's default.
 */
export function effectiveOptions(resolved: ResolvedHubOptions, fileOptions: object, sources: OptionSources, configFile: string | undefined): EffectiveOption[] {
  const rows: EffectiveOption[] = [];
  const sourceOf = (path: string[]): string => {
    const dotted = path.join('.');
    if (sources[dotted] !== undefined) return sources[dotted];
    if (configFile !== undefined && has(fileOptions, path)) return `config ${configFile}`;
    return 'default';
  };
  const walk = (value: unknown, path: string[]): void => {
    const dotted = path.join('.');
    if (BY_NAME.has(dotted) && isPlainObject(value)) {
      const names = Object.keys(value);
      rows.push({ path: dotted, value: names.length ? names.join(', ') : '(none)', source: sourceOf(path) });
      return;
    }
    if (isPlainObject(value)) {
      for (const [key, v] of Object.entries(value)) if (v !== undefined) walk(v, [...path, key]);
      return;
    }
    rows.push({ path: dotted, value: show(dotted, value), source: sourceOf(path) });
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (SKIPPED.has(key)) continue;
    if (key === 'auth' && value === undefined) {
      rows.push({ path: 'auth', value: 'none: every peer is anonymous', source: 'default' });
      continue;
    }
    if (value !== undefined) walk(value, [key]);
  }
  const declared = Object.keys(resolved.collections);
  rows.push({
    path: 'collections',
    value: declared.length ? declared.join(', ') : '(none declared: any valid name works, schemaless)',
    source: declared.length ? sourceOf(['collections']) : 'default',
  });
  return rows;
}

/** The table `livehub serve` prints at start. */
export function formatEffectiveOptions(rows: EffectiveOption[]): string {
  const pathWidth = Math.max(...rows.map((r) => r.path.length));
  const valueWidth = Math.min(40, Math.max(...rows.map((r) => r.value.length)));
  const lines = rows.map((r) => `  ${r.path.padEnd(pathWidth)}  ${r.value.padEnd(valueWidth)}  ${r.source}`);
  return `effective options (flag > environment > config file > default):\n${lines.join('\n')}\n`;
}
