import { isDeepStrictEqual } from 'node:util';
import type { JsonObject } from '../config/collection-config.js';

/** Top-level fields whose values differ between two versions of a record's data. */
export function changedFields(before: JsonObject | undefined, after: JsonObject | undefined): string[] {
  const a = before ?? {};
  const b = after ?? {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !isDeepStrictEqual(a[k], b[k])).sort();
}
