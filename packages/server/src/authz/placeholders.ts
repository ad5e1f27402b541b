import type { Principal } from '../auth.js';

/** `{sub}` or `{claims.a.b}`, as a whole string. */
export const PLACEHOLDER_RE = /^\{(sub|claims(\.[A-Za-z_$][A-Za-z0-9_$-]*)+)\}$/;

export function isPlaceholder(v: unknown): boolean {
  return typeof v === 'string' && PLACEHOLDER_RE.test(v);
}

/** A string that looks meant as a placeholder but is not one (a typo the validator names). */
export function looksLikePlaceholder(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('{') && v.endsWith('}');
}

/** A claim by dotted path; `sub` is the principal's. Own properties only: `constructor` is no claim. */
export function claimValue(principal: Principal, path: string): unknown {
  if (path === 'sub') return principal.sub;
  let v: unknown = principal.claims;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** The value a placeholder stands for (undefined when the claim is missing); any other value as is. */
export function resolveValue(principal: Principal, v: unknown): unknown {
  if (typeof v !== 'string' || !isPlaceholder(v)) return v;
  const inner = v.slice(1, -1);
  return claimValue(principal, inner === 'sub' ? 'sub' : inner.slice('claims.'.length));
}

export function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
