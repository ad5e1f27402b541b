import { LivehubError, defineCollections, type LivehubClient, type LiveRecord, type EventMessage } from '@livehub/client';
import {
  createLivehubHooks,
  isConflict,
  useLiveMutation,
  useLiveQuery,
  useLiveRecord,
  useLivehubClient,
  type ConflictError,
  type InvalidationTarget,
  type LiveList,
  type LiveMutations,
  type LiveQueryOptions,
} from '@livehub/react';
import type { UseQueryResult } from '@tanstack/react-query';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

// Type-level assertions are checked by `npm run typecheck` (tsc over the tests); the run checks the
// few facts that hold at run time.

const collections = defineCollections({
  agent: { schema: z.object({ name: z.string(), status: z.enum(['idle', 'busy']), token: z.string() }), private: ['token'] },
});
type Agent = { name: string; status: 'idle' | 'busy' };
const hooks = createLivehubHooks<typeof collections>();

describe('createLivehubHooks: the live hooks typed by the app’s collection declarations', () => {
  it('are the same hooks at run time', () => {
    expect(defineCollections(collections)).toBe(collections);
    expect(hooks.useLiveQuery).toBe(useLiveQuery);
    expect(hooks.useLiveRecord).toBe(useLiveRecord);
    expect(hooks.useLiveMutation).toBe(useLiveMutation);
    expect(hooks.useLivehubClient).toBe(useLivehubClient);
  });

  it('infer the record type from the collection name, select included', () => {
    type Q = ReturnType<typeof hooks.useLiveQuery<'agent'>>;
    expectTypeOf<Q>().toEqualTypeOf<UseQueryResult<LiveList<Agent>, LivehubError>>();
    expectTypeOf(hooks.useLiveRecord<'agent'>).returns.toEqualTypeOf<UseQueryResult<LiveRecord<Agent> | null, LivehubError>>();
    expectTypeOf(hooks.useLiveMutation<'agent'>).returns.toEqualTypeOf<LiveMutations<Agent>>();
    expectTypeOf(hooks.useLivehubClient).returns.toEqualTypeOf<LivehubClient<typeof collections>>();
    // `select` is typed by the collection, and its result becomes `data`, with no type argument written.
    const selecting = () => hooks.useLiveQuery('agent', {}, { select: (list) => list.items.map((a) => a.status) });
    expectTypeOf(selecting).returns.toEqualTypeOf<UseQueryResult<Array<'idle' | 'busy'>, LivehubError>>();
    // @ts-expect-error an undeclared collection is a type error with the typed hooks
    const _undeclared = () => hooks.useLiveQuery('agnet');
  });
});

describe('no `any` in the public hook types', () => {
  it('LiveQueryOptions.select and InvalidationTarget’s event', () => {
    type Select = NonNullable<LiveQueryOptions<number, LiveList<Agent>>['select']>;
    expectTypeOf<Parameters<Select>[0]>().not.toBeAny();
    expectTypeOf<Parameters<Select>[0]>().toEqualTypeOf<LiveList<Agent>>();
    expectTypeOf<ReturnType<Select>>().toEqualTypeOf<number>();
    type Target = Extract<InvalidationTarget, (e: never) => unknown>;
    type Event = Parameters<Target>[0];
    expectTypeOf<Event>().not.toBeAny();
    expectTypeOf<Event['data']>().not.toBeAny();
    expectTypeOf<Event['data']['id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Parameters<Extract<InvalidationTarget<{ n: number }>, (e: never) => unknown>>[0]>().toEqualTypeOf<EventMessage<{ n: number }>>();
  });
});

describe('isConflict', () => {
  it('narrows to a ConflictError and leaves any other LivehubError a LivehubError (not never)', () => {
    const errors = [
      new LivehubError('version_conflict', 'at version 2', { status: 412 }),
      new LivehubError('already_exists', 'exists', { status: 409 }),
      new LivehubError('validation_failed', 'bad', { status: 400 }),
    ];
    const seen: string[] = [];
    for (const err of errors) {
      if (isConflict(err)) {
        expectTypeOf(err).toEqualTypeOf<ConflictError>();
        expectTypeOf(err.code).toEqualTypeOf<'already_exists' | 'version_conflict'>();
        seen.push(`conflict ${err.code}`);
      } else {
        expectTypeOf(err).toEqualTypeOf<LivehubError>();
        seen.push(`other ${err.code}`);
      }
    }
    expect(seen).toEqual(['conflict version_conflict', 'conflict already_exists', 'other validation_failed']);
    expect(isConflict(new Error('x'))).toBe(false);
  });
});
