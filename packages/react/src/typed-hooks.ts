import type { CollectionDeclarations, CollectionName, ListParams, LivehubClient, LivehubError, LiveRecord, RecordOf } from '@livehub/client';
import type { UseQueryResult } from '@tanstack/react-query';
import type { LiveList } from './apply-change.js';
import { useLivehubClient } from './context.js';
import { useLiveMutation, type LiveMutationOptions, type LiveMutations } from './use-live-mutation.js';
import { useLiveQuery, type LiveQueryOptions } from './use-live-query.js';
import { useLiveRecord } from './use-live-record.js';

/**
 * The live hooks typed by an app's collection declarations: a declared name gives the record type
 * of its schema, so `useLiveQuery('agent')` needs no type argument, and an undeclared name is a
 * type error. Same hooks at run time.
 */
export interface LivehubHooks<C extends CollectionDeclarations> {
  // Function-typed properties, not methods: the hooks are meant to be destructured.
  useLivehubClient: () => LivehubClient<C>;
  useLiveQuery: <K extends CollectionName<C>, TData = LiveList<RecordOf<C, K>>>(
    collection: K,
    params?: ListParams,
    options?: LiveQueryOptions<TData, LiveList<RecordOf<C, K>>>,
  ) => UseQueryResult<TData, LivehubError>;
  useLiveRecord: <K extends CollectionName<C>, TData = LiveRecord<RecordOf<C, K>> | null>(
    collection: K,
    id: string | undefined,
    options?: LiveQueryOptions<TData, LiveRecord<RecordOf<C, K>> | null>,
  ) => UseQueryResult<TData, LivehubError>;
  useLiveMutation: <K extends CollectionName<C>>(collection: K, options?: LiveMutationOptions) => LiveMutations<RecordOf<C, K>>;
}

/**
 * `const { useLiveQuery, useLiveRecord, useLiveMutation } = createLivehubHooks<typeof collections>()`,
 * once, next to the app's `defineCollections`; the hooks read the client of the nearest
 * `<LivehubProvider>` as the untyped ones do.
 */
export function createLivehubHooks<C extends CollectionDeclarations>(): LivehubHooks<C> {
  return {
    // The client is the same object; only its collection types are the app's.
    useLivehubClient,
    useLiveQuery,
    useLiveRecord,
    useLiveMutation,
  };
}
