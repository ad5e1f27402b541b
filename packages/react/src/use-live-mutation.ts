import { isLivehubError, seqOf, type LivehubError, type LiveRecord, type MergePatch, type RecordInput } from '@livehub/client';
import { mergePatch, withoutServerFields } from '@livehub/protocol/core';
import { useMutation, useQueryClient, type QueryClient, type QueryKey, type UseMutationResult } from '@tanstack/react-query';
import { useLivehubClient } from './context.js';
import { appliedSeq } from './live-link.js';
import { applyConfirmed, applyOptimistic, removeFromCaches, type Rollback } from './optimistic-cache.js';

export interface UpdateVars<T extends object> {
  id: string;
  data: RecordInput<T>;
  /** Write only if the record is still at this version (If-Match): 412 `version_conflict` otherwise. */
  ifVersion?: number;
}
export interface PatchVars<T extends object> {
  id: string;
  patch: MergePatch<T>;
  ifVersion?: number;
}
export interface RemoveVars {
  id: string;
  ifVersion?: number;
}
export type CreateVars<T extends object> = RecordInput<T> & { id?: string };

export interface LiveMutationOptions {
  /**
   * Called when a write is refused because the record changed first: 412 `version_conflict`
   * (`ifVersion` did not match) or 409 `already_exists`. The optimistic change is rolled back before.
   */
  onConflict?: (err: ConflictError) => void;
}

export interface LiveMutations<T extends object> {
  create: UseMutationResult<LiveRecord<T>, LivehubError, CreateVars<T>, Rollback>;
  update: UseMutationResult<LiveRecord<T>, LivehubError, UpdateVars<T>, Rollback>;
  patch: UseMutationResult<LiveRecord<T>, LivehubError, PatchVars<T>, Rollback>;
  remove: UseMutationResult<void, LivehubError, RemoveVars, Rollback>;
}

type AnyRecord = LiveRecord<Record<string, unknown>>;

/** A write refused because the record changed first: 409 `already_exists` or 412 `version_conflict`. */
export type ConflictError = LivehubError & { readonly code: 'already_exists' | 'version_conflict' };

/**
 * True for the errors that mean "someone else wrote first": the optimistic value was never going
 * to land. Narrows to {@link ConflictError}; any other `LivehubError` stays one in the else branch.
 */
export function isConflict(err: unknown): err is ConflictError {
  return isLivehubError(err) && (err.code === 'already_exists' || err.code === 'version_conflict');
}

/** The record as the caches hold it now (any live query of the collection that has it). */
function cachedRecord(qc: QueryClient, collection: string, id: string): AnyRecord | undefined {
  for (const [key, data] of qc.getQueriesData({ queryKey: ['livehub', collection] })) {
    if (key[2] === 'record' && key[3] === id && data) return data as AnyRecord;
    if (key[2] === 'list' && data) {
      const hit = (data as { items: AnyRecord[] }).items.find((r) => r.id === id);
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * Writes to a collection that show at once in every live query of it (optimistic), are confirmed
 * by the hub's answer, and are rolled back when the hub refuses them — in particular on 409/412,
 * when someone else changed the record first. The live events that follow need no refetch.
 */
export function useLiveMutation<T extends object = Record<string, unknown>>(collection: string, options: LiveMutationOptions = {}): LiveMutations<T> {
  const client = useLivehubClient();
  const qc = useQueryClient();
  const col = () => client.collection<T>(collection);
  // A live query that has applied events past a write's seq already shows that write, or newer.
  const coveredBy = (record: object) => {
    const seq = seqOf(record);
    return (key: QueryKey) => seq !== undefined && (appliedSeq(client, qc, key) ?? -1) >= seq;
  };
  const failed = (err: LivehubError, _vars: unknown, rollback: Rollback | undefined) => {
    rollback?.undo();
    if (isConflict(err)) options.onConflict?.(err);
  };

  const create = useMutation<LiveRecord<T>, LivehubError, CreateVars<T>, Rollback & { tempId: string }>({
    mutationFn: (vars) => col().create(vars),
    onMutate: (vars) => {
      // A placeholder until the hub assigns the id; version 0 so every real copy supersedes it.
      const tempId = vars.id ?? `optimistic-${Math.random().toString(36).slice(2, 10)}`;
      const now = new Date().toISOString();
      const rec = { ...withoutServerFields(vars), id: tempId, version: 0, createdAt: now, updatedAt: now } as AnyRecord;
      return { ...applyOptimistic(qc, collection, tempId, rec), tempId };
    },
    onSuccess: (record, _vars, ctx) => {
      if (ctx.tempId !== record.id) removeFromCaches(qc, collection, ctx.tempId);
      applyConfirmed(qc, collection, record, 'created', coveredBy(record));
    },
    onError: (err, vars, ctx) => {
      if (ctx && vars.id === undefined) removeFromCaches(qc, collection, ctx.tempId);
      failed(err, vars, ctx);
    },
  });

  const update = useMutation<LiveRecord<T>, LivehubError, UpdateVars<T>, Rollback>({
    mutationFn: ({ id, data, ifVersion }) => col().update(id, data, ifVersion !== undefined ? { ifVersion } : {}),
    onMutate: ({ id, data }) => {
      const cur = cachedRecord(qc, collection, id);
      if (!cur) return { undo() {} };
      const rec = { ...withoutServerFields(data), id, version: cur.version, createdAt: cur.createdAt, updatedAt: cur.updatedAt } as AnyRecord;
      return applyOptimistic(qc, collection, id, rec);
    },
    onSuccess: (record) => applyConfirmed(qc, collection, record, 'updated', coveredBy(record)),
    onError: failed,
  });

  const patch = useMutation<LiveRecord<T>, LivehubError, PatchVars<T>, Rollback>({
    mutationFn: ({ id, patch: p, ifVersion }) => col().patch(id, p, ifVersion !== undefined ? { ifVersion } : {}),
    onMutate: ({ id, patch: p }) => {
      const cur = cachedRecord(qc, collection, id);
      if (!cur) return { undo() {} };
      const merged = mergePatch(cur, withoutServerFields(p)) as Record<string, unknown>;
      const rec = { ...merged, id, version: cur.version, createdAt: cur.createdAt, updatedAt: cur.updatedAt } as AnyRecord;
      return applyOptimistic(qc, collection, id, rec);
    },
    onSuccess: (record) => applyConfirmed(qc, collection, record, 'updated', coveredBy(record)),
    onError: failed,
  });

  const remove = useMutation<void, LivehubError, RemoveVars, Rollback>({
    mutationFn: ({ id, ifVersion }) => col().remove(id, ifVersion !== undefined ? { ifVersion } : {}),
    onMutate: ({ id }) => applyOptimistic(qc, collection, id, null),
    onError: failed,
  });

  return { create, update, patch, remove };
}
