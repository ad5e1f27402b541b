import type { Change } from '../store/store.js';
import type { RecordPredicate } from './bind-rule.js';

/**
 * How one reader sees a change under its read rule: as it is, as the record entering its view
 * (`created`), as it leaving (`deleted`, carrying the record as the reader last could see it), or
 * not at all. A record moved out of someone's rule reaches them as a delete.
 */
export type ChangeView = 'as-is' | 'created' | 'deleted' | 'hidden';

export function viewChange(c: Change, rule: RecordPredicate | undefined): ChangeView {
  if (!rule) return 'as-is';
  if (c.action === 'created') return rule.test(c.record) ? 'as-is' : 'hidden';
  // A delete's record is the record as it was.
  if (c.action === 'deleted') return rule.test(c.record) ? 'as-is' : 'hidden';
  const after = rule.test(c.record);
  // A change logged before its collection had a record rule has no `previous`: taken as unmoved.
  const before = c.previous ? rule.test(c.previous) : after;
  if (before && after) return 'as-is';
  if (after) return 'created';
  return before ? 'deleted' : 'hidden';
}
