import { COLLECTION_RE, isListField, isServerField } from '@livehub/protocol';
import { ChannelPattern } from './channel-pattern.js';
import { isPlaceholder, isScalar, looksLikePlaceholder } from './placeholders.js';
import type { ChannelRules, CollectionRules, Rule } from './rules.js';

/** Deepest nesting of all/any/not: a config is no place for a 1,000-level rule. */
const MAX_RULE_DEPTH = 16;
const CLAIM_PATH_RE = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;

class RuleError extends TypeError {}

function fail(path: string, message: string): never {
  throw new RuleError(`${path}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkValue(path: string, v: unknown): void {
  if (looksLikePlaceholder(v) && !isPlaceholder(v)) fail(path, `'${String(v)}' is not a placeholder; use {sub} or {claims.<path>}`);
  if (!isScalar(v)) fail(path, 'must be a string, number, boolean, null or a placeholder');
}

function checkKeys(path: string, rule: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(rule)) if (!allowed.includes(k)) fail(path, `unknown rule key '${k}' (expected ${allowed.join(', ')})`);
}

/** Throws a TypeError naming the rule's path unless `rule` is in the rule language; `record: false` forbids field rules. */
export function validateRule(path: string, rule: unknown, record: boolean, depth = 0): asserts rule is Rule {
  if (depth > MAX_RULE_DEPTH) fail(path, `rules nest at most ${MAX_RULE_DEPTH} deep`);
  if (typeof rule === 'boolean' || rule === 'authenticated' || typeof rule === 'function') return;
  if (typeof rule === 'string') fail(path, `'${rule}' is not a rule (true, false, 'authenticated', or an object like { field, eq })`);
  if (!isObject(rule)) fail(path, 'must be true, false, "authenticated", a rule object or a function');
  const combinator = (['all', 'any', 'not'] as const).find((k) => Object.hasOwn(rule, k));
  if (combinator === 'not') {
    checkKeys(path, rule, ['not']);
    return validateRule(`${path}.not`, rule.not, record, depth + 1);
  }
  if (combinator) {
    checkKeys(path, rule, [combinator]);
    const list = rule[combinator];
    if (!Array.isArray(list) || list.length === 0) fail(`${path}.${combinator}`, 'must be a non-empty array of rules');
    list.forEach((r, i) => validateRule(`${path}.${combinator}[${i}]`, r, record, depth + 1));
    return;
  }
  const subject = Object.hasOwn(rule, 'field') ? 'field' : Object.hasOwn(rule, 'claim') ? 'claim' : undefined;
  if (!subject) fail(path, `unknown rule ${JSON.stringify(Object.keys(rule))}: expected field, claim, all, any or not`);
  const op = Object.hasOwn(rule, 'eq') ? 'eq' : Object.hasOwn(rule, 'in') ? 'in' : undefined;
  if (!op) fail(path, `a ${subject} rule needs eq or in`);
  checkKeys(path, rule, [subject, op]);
  const name = rule[subject];
  if (subject === 'field') {
    if (!record) fail(path, 'channel rules have no record: use claim rules or placeholders in the pattern');
    if (typeof name !== 'string' || !isListField(name))
      fail(`${path}.field`, `'${String(name)}' is not a field (id, version, createdAt, updatedAt or a data path like meta.owner)`);
  } else if (typeof name !== 'string' || !CLAIM_PATH_RE.test(name)) {
    fail(`${path}.claim`, `'${String(name)}' is not a claim path`);
  }
  const value = rule[op];
  if (op === 'eq') return checkValue(`${path}.eq`, value);
  // A field may be checked against a list claim (`in: '{claims.teams}'`); a claim against a literal list.
  if (subject === 'field' && isPlaceholder(value)) return;
  if (!Array.isArray(value) || value.length === 0)
    fail(`${path}.in`, subject === 'field' ? 'must be a non-empty array or a placeholder' : 'must be a non-empty array');
  value.forEach((v, i) => checkValue(`${path}.in[${i}]`, v));
}

const RECORD_ACTIONS = ['read', 'create', 'update', 'delete'] as const;

export function validateCollectionRules(path: string, name: string, rules: unknown): CollectionRules {
  if (name !== '*' && !COLLECTION_RE.test(name)) fail(path, `'${name}' is not a collection name or '*'`);
  if (!isObject(rules)) fail(path, 'must be an object of read, create, update, delete, set');
  checkKeys(path, rules, [...RECORD_ACTIONS, 'set']);
  for (const action of RECORD_ACTIONS) if (rules[action] !== undefined) validateRule(`${path}.${action}`, rules[action], true);
  if (rules.set !== undefined) {
    if (!isObject(rules.set)) fail(`${path}.set`, 'must map fields to placeholders, e.g. { owner: "{sub}" }');
    for (const [field, v] of Object.entries(rules.set)) {
      if (isServerField(field) || field.includes('.') || !isListField(field)) fail(`${path}.set.${field}`, 'must be a top-level data field');
      if (!isPlaceholder(v)) fail(`${path}.set.${field}`, `'${String(v)}' must be a placeholder like {sub} or {claims.org}`);
    }
  }
  return rules;
}

export function validateChannelRules(path: string, pattern: string, rules: unknown): { pattern: ChannelPattern; rules: ChannelRules } {
  let compiled: ChannelPattern;
  try {
    compiled = new ChannelPattern(pattern);
  } catch (err) {
    fail(path, (err as Error).message);
  }
  if (!isObject(rules)) fail(path, 'must be an object of subscribe, publish');
  checkKeys(path, rules, ['subscribe', 'publish']);
  for (const action of ['subscribe', 'publish'] as const) if (rules[action] !== undefined) validateRule(`${path}.${action}`, rules[action], false);
  return { pattern: compiled, rules };
}
