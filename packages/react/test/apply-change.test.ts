import { applyToList, applyToRecord, DEFAULT_LIST_LIMIT, type LiveList } from '@livehub/react';
import type { LiveRecord, RecordChangeData } from '@livehub/client';
import { describe, expect, it } from 'vitest';

// The pure rules under the live hooks; the hub-backed suites check them end to end.
type R = LiveRecord<{ n: number }>;
const rec = (id: string, n: number, version = 1, createdAt = '2026-01-01T00:00:00.000Z'): R => ({ id, n, version, createdAt, updatedAt: createdAt });
const list = (items: R[], nextCursor?: string): LiveList<{ n: number }> => ({ items, nextCursor, seq: 10, epoch: 'e-x' });
const change = (action: RecordChangeData['action'], r: R | { id: string; version: number }, withRecord = true): RecordChangeData<{ n: number }> => ({
  id: r.id,
  collection: 'c',
  action,
  version: r.version,
  ...(withRecord && 'n' in r ? { record: r } : {}),
});

describe('applyToList', () => {
  it('ignores a version it already has, and takes a re-created record whatever its version', () => {
    const l = list([rec('a', 1, 3)]);
    expect(applyToList(l, change('updated', rec('a', 9, 2))).value).toBe(l);
    const again = rec('a', 5, 1, '2026-02-02T00:00:00.000Z');
    expect(applyToList(l, change('created', again)).value.items).toEqual([again]);
  });

  it('refetches for a change without the record (ids payload mode), but removes a delete by id', () => {
    const l = list([rec('a', 1), rec('b', 2)]);
    expect(applyToList(l, change('updated', { id: 'a', version: 2 }, false))).toEqual({ value: l, refetch: true });
    const d = applyToList(l, change('deleted', { id: 'a', version: 2 }, false));
    expect(d.refetch).toBeFalsy();
    expect(d.value.items.map((r) => r.id)).toEqual(['b']);
  });

  it('trims a page that overflows its limit and asks for the cursor', () => {
    const l = list([rec('a', 1), rec('b', 3)]);
    const r = applyToList(l, change('created', rec('c', 2)), { order: 'n', limit: 2 });
    expect(r.refetch).toBe(true);
    expect(r.value.items.map((x) => x.id)).toEqual(['a', 'c']);
  });

  it("without a limit, a page is the hub's default page: it never grows past DEFAULT_LIST_LIMIT (50)", () => {
    expect(DEFAULT_LIST_LIMIT).toBe(50);
    const full = list(Array.from({ length: 50 }, (_, i) => rec(`r${String(i).padStart(2, '0')}`, i * 2)));
    const r = applyToList(full, change('created', rec('new', 1)), { order: 'n' });
    expect(r.refetch).toBe(true);
    expect(r.value.items).toHaveLength(50);
    expect(r.value.items[1]!.id).toBe('new');
    // Below the default size it grows in place.
    const l49 = list(full.items.slice(0, 49));
    expect(applyToList(l49, change('created', rec('new', 1)), { order: 'n' })).toMatchObject({ value: { items: { length: 50 } } });
    expect(applyToList(l49, change('created', rec('new', 1)), { order: 'n' }).refetch).toBeFalsy();
  });

  it('leaves records that sort past a page with more pages, and asks about the start of a later page', () => {
    const page1 = list([rec('a', 1), rec('b', 3)], 'cur');
    expect(applyToList(page1, change('created', rec('z', 9)), { order: 'n' })).toEqual({ value: page1 });
    const page2 = list([rec('c', 5), rec('d', 7)], undefined);
    const r = applyToList(page2, change('created', rec('e', 4)), { order: 'n', cursor: 'cur' });
    expect(r).toEqual({ value: page2, refetch: true });
    expect(applyToList(page2, change('created', rec('f', 6)), { order: 'n', cursor: 'cur' }).value.items.map((x) => x.id)).toEqual(['c', 'f', 'd']);
  });
});

describe('applyToRecord', () => {
  it('replaces by version, nulls on delete, refetches without a record', () => {
    const a = rec('a', 1, 2);
    expect(applyToRecord(a, change('updated', rec('a', 0, 1))).value).toBe(a);
    expect(applyToRecord(a, change('updated', rec('a', 7, 3))).value).toMatchObject({ n: 7 });
    expect(applyToRecord(a, change('deleted', { id: 'a', version: 3 }, false)).value).toBe(null);
    expect(applyToRecord(null, change('created', { id: 'a', version: 1 }, false))).toEqual({ value: null, refetch: true });
  });
});
