import type { ListParams, LiveRecord, RecordChangeData } from '@livehub/client';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { applyToList, type LiveList } from './apply-change.js';
import { livehubKeys } from './keys.js';

type AnyRecord = LiveRecord<Record<string, unknown>>;

/** One cache entry an optimistic write changed: what was there, and what the write put there. */
interface Touched {
  key: QueryKey;
  kind: 'list' | 'record';
  before: AnyRecord | null | undefined;
  after: AnyRecord | null | undefined;
}

/** Undoes an optimistic write where nothing newer replaced it since. */
export interface Rollback {
  undo(): void;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The cached queries of a collection: its live lists and live records. */
function entries(qc: QueryClient, collection: string): { key: QueryKey; kind: 'list' | 'record'; params: ListParams; id: string }[] {
  return qc
    .getQueriesData({ queryKey: livehubKeys.collection(collection) })
    .filter(([key, data]) => data !== undefined && (key[2] === 'list' || key[2] === 'record'))
    .map(([key]) => ({ key, kind: key[2] as 'list' | 'record', params: (key[2] === 'list' ? key[3] : {}) as ListParams, id: String(key[3]) }));
}

function find(qc: QueryClient, key: QueryKey, kind: 'list' | 'record', id: string): AnyRecord | null | undefined {
  const data = qc.getQueryData(key);
  if (kind === 'record') return data as AnyRecord | null | undefined;
  return (data as LiveList<Record<string, unknown>> | undefined)?.items.find((r) => r.id === id);
}

function change(action: RecordChangeData['action'], record: AnyRecord): RecordChangeData<Record<string, unknown>> {
  return { id: record.id, collection: '', action, version: record.version, record };
}

/** Puts `record` (or, with null, the absence of record `id`) into every cached query of the collection, by its filters and order. */
function place(qc: QueryClient, key: QueryKey, kind: 'list' | 'record', params: ListParams, id: string, record: AnyRecord | null): void {
  if (kind === 'record') {
    if (String(key[3]) === id) qc.setQueryData(key, record);
    return;
  }
  qc.setQueryData<LiveList<Record<string, unknown>>>(key, (list) => {
    if (!list) return list;
    if (record) return applyToList(list, change('updated', record), params, true).value;
    return { ...list, items: list.items.filter((r) => r.id !== id) };
  });
}

/**
 * Applies an optimistic value for record `id` (a record, or null for "deleted") to every cached
 * live query of the collection, and returns how to take it back. The rollback restores an entry
 * only while it still holds the optimistic value: a change that arrived from the hub meanwhile is
 * newer than both, and stays.
 */
export function applyOptimistic(qc: QueryClient, collection: string, id: string, value: AnyRecord | null): Rollback {
  const touched: Touched[] = [];
  for (const e of entries(qc, collection)) {
    if (e.kind === 'record' && e.id !== id) continue;
    const before = find(qc, e.key, e.kind, id);
    place(qc, e.key, e.kind, e.params, id, value);
    touched.push({ key: e.key, kind: e.kind, before, after: find(qc, e.key, e.kind, id) });
  }
  return {
    undo() {
      for (const t of touched) {
        const now = find(qc, t.key, t.kind, id);
        if (!deepEqual(now, t.after)) continue;
        const params = (t.kind === 'list' ? t.key[3] : {}) as ListParams;
        if (t.before === undefined) {
          if (t.kind === 'list') place(qc, t.key, t.kind, params, id, null);
        } else place(qc, t.key, t.kind, params, id, t.before);
      }
    },
  };
}

/**
 * Writes a confirmed record (the HTTP response) into the collection's caches, unless a newer
 * version is there already, or the cache has applied the change log past the write (`covered`):
 * then the response is old news, and a delete that overtook it must not be undone.
 */
export function applyConfirmed(
  qc: QueryClient,
  collection: string,
  record: AnyRecord,
  action: 'created' | 'updated',
  covered: (key: QueryKey) => boolean = () => false,
): void {
  for (const e of entries(qc, collection)) {
    if (covered(e.key)) continue;
    if (e.kind === 'record') {
      if (e.id !== record.id) continue;
      const cur = qc.getQueryData<AnyRecord | null>(e.key);
      // null after an update means a delete from the hub overtook this response.
      if (action === 'updated' && !cur) continue;
      if (!cur || cur.version <= record.version) qc.setQueryData(e.key, record);
      continue;
    }
    qc.setQueryData<LiveList<Record<string, unknown>>>(e.key, (list) => {
      if (!list) return list;
      const cur = list.items.find((r) => r.id === record.id);
      if (action === 'updated' && !cur) return list; // left the page, or deleted, meanwhile
      // The optimistic copy carries the old version; the confirmed one replaces it, a newer event's copy stays.
      const force = cur !== undefined && cur.version <= record.version;
      return applyToList(list, change(action, record), e.params, force).value;
    });
  }
}

/** Removes record `id` from the collection's caches (a failed optimistic create's placeholder). */
export function removeFromCaches(qc: QueryClient, collection: string, id: string): void {
  for (const e of entries(qc, collection)) {
    if (e.kind === 'record') {
      if (e.id === id) qc.setQueryData(e.key, null);
    } else place(qc, e.key, e.kind, e.params, id, null);
  }
}
