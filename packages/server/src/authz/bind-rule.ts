import { matchesFilter, type FilterValue } from '@livehub/protocol';
import { ANONYMOUS, type Principal } from '../auth.js';
import type { StoredRecord } from '../store/store.js';
import { claimValue, isScalar, resolveValue } from './placeholders.js';
import type { Rule, RuleContext } from './rules.js';

/** The flat view rules read: server fields plus data. Built once per stored record (a change is shared by every subscriber). */
const flatCache = new WeakMap<StoredRecord, Record<string, unknown>>();

export function flatRecord(r: StoredRecord): Record<string, unknown> {
  let flat = flatCache.get(r);
  if (!flat) {
    flat = { ...r.data, id: r.id, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt };
    flatCache.set(r, flat);
  }
  return flat;
}

/** A rule left depending on the record once the principal is known. */
export interface RecordPredicate {
  test(record: StoredRecord): boolean;
  /**
   * Equalities every matching record has (`owner = 'alice'`): a list adds them to its SQL filters,
   * so a per-owner list reads that owner's rows, not the collection. Undefined when none is implied.
   */
  readonly eq: Readonly<Record<string, FilterValue>> | undefined;
}

/** A rule bound to one principal: everything, nothing, or the records a predicate matches. */
export type Access = boolean | RecordPredicate;

export interface BindContext {
  collection?: string;
  channel?: string;
  /** Called when a function rule throws: it denies, and the hub logs why. */
  onError(err: unknown): void;
}

function predicate(test: (r: StoredRecord) => boolean, eq?: Record<string, FilterValue>): RecordPredicate {
  return { test, eq };
}

function holds(claim: unknown, wanted: readonly unknown[]): boolean {
  const values = Array.isArray(claim) ? claim : [claim];
  return values.some((v) => v !== undefined && isScalar(v) && wanted.some((w) => w === v));
}

/** Merges the implied equalities of AND-ed predicates; two different values for one field mean nothing matches. */
function mergeEq(parts: readonly RecordPredicate[]): Record<string, FilterValue> | undefined | false {
  let out: Record<string, FilterValue> | undefined;
  for (const p of parts) {
    if (!p.eq) continue;
    for (const [k, v] of Object.entries(p.eq)) {
      out ??= Object.create(null) as Record<string, FilterValue>;
      if (Object.hasOwn(out, k) && out[k] !== v) return false;
      out[k] = v;
    }
  }
  return out;
}

/**
 * Partial evaluation: claims and placeholders are resolved now, so what is left is `true`,
 * `false`, or a predicate on the record. Binding happens per request or subscribe, never per event.
 * The rule was validated at startup (rule-validation.ts); this trusts its shape.
 */
export function bindRule(rule: Rule, principal: Principal, ctx: BindContext): Access {
  if (typeof rule === 'boolean') return rule;
  if (rule === 'authenticated') return principal !== ANONYMOUS;
  if (typeof rule === 'function') {
    const call = (record?: Readonly<Record<string, unknown>>): boolean => {
      const rc: RuleContext = { principal };
      if (ctx.collection !== undefined) rc.collection = ctx.collection;
      if (ctx.channel !== undefined) rc.channel = ctx.channel;
      if (record !== undefined) rc.record = record;
      try {
        return rule(rc) === true;
      } catch (err) {
        ctx.onError(err);
        return false;
      }
    };
    // A channel has no record: the function decides now. A collection rule may read the record.
    if (ctx.collection === undefined) return call();
    return predicate((r) => call(flatRecord(r)));
  }
  if ('all' in rule) {
    const parts: RecordPredicate[] = [];
    for (const r of rule.all) {
      const a = bindRule(r, principal, ctx);
      if (a === false) return false;
      if (a !== true) parts.push(a);
    }
    if (parts.length === 0) return true;
    const eq = mergeEq(parts);
    if (eq === false) return false;
    return parts.length === 1 ? parts[0]! : predicate((r) => parts.every((p) => p.test(r)), eq);
  }
  if ('any' in rule) {
    const parts: RecordPredicate[] = [];
    for (const r of rule.any) {
      const a = bindRule(r, principal, ctx);
      if (a === true) return true;
      if (a !== false) parts.push(a);
    }
    if (parts.length === 0) return false;
    return parts.length === 1 ? parts[0]! : predicate((r) => parts.some((p) => p.test(r)));
  }
  if ('not' in rule) {
    const a = bindRule(rule.not, principal, ctx);
    return typeof a === 'boolean' ? !a : predicate((r) => !a.test(r));
  }
  if ('claim' in rule) {
    const claim = claimValue(principal, rule.claim);
    if ('eq' in rule) {
      const wanted = resolveValue(principal, rule.eq);
      return wanted !== undefined && holds(claim, [wanted]);
    }
    return holds(
      claim,
      rule.in.map((v) => resolveValue(principal, v)),
    );
  }
  // A field rule: the record decides.
  const { field } = rule;
  if ('eq' in rule) {
    const v = resolveValue(principal, rule.eq);
    // A missing claim, or one that is not a scalar, matches no record.
    if (v === undefined || !isScalar(v)) return false;
    return predicate((r) => matchesFilter(flatRecord(r), field, v), { [field]: v });
  }
  const listed = typeof rule.in === 'string' ? resolveValue(principal, rule.in) : rule.in.map((v) => resolveValue(principal, v));
  const values = (Array.isArray(listed) ? listed : [listed]).filter(isScalar);
  if (values.length === 0) return false;
  if (values.length === 1) return predicate((r) => matchesFilter(flatRecord(r), field, values[0]!), { [field]: values[0]! });
  return predicate((r) => {
    const flat = flatRecord(r);
    return values.some((v) => matchesFilter(flat, field, v));
  });
}

/** True when a rule can depend on the record (a field rule or a function): its collection logs `previous`. */
export function usesRecord(rule: Rule | undefined): boolean {
  if (rule === undefined || typeof rule === 'boolean' || typeof rule === 'string') return false;
  if (typeof rule === 'function') return true;
  if ('all' in rule) return rule.all.some(usesRecord);
  if ('any' in rule) return rule.any.some(usesRecord);
  if ('not' in rule) return usesRecord(rule.not);
  return 'field' in rule;
}
