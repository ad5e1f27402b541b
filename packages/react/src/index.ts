export { LivehubProvider, type LivehubProviderProps } from './provider.js';
export { LivehubContext, useLivehubClient } from './context.js';
export { useConnectionStatus } from './use-connection-status.js';
export { useChannel, type UseChannelOptions } from './use-channel.js';
export { useLiveQuery, type LiveQueryOptions } from './use-live-query.js';
export { useLiveRecord } from './use-live-record.js';
export { useQueryInvalidation, type InvalidationMap, type InvalidationTarget, type QueryInvalidationOptions } from './use-query-invalidation.js';
export {
  useLiveMutation,
  isConflict,
  type ConflictError,
  type LiveMutations,
  type LiveMutationOptions,
  type CreateVars,
  type UpdateVars,
  type PatchVars,
  type RemoveVars,
} from './use-live-mutation.js';
export type { Rollback } from './optimistic-cache.js';
export { createLivehubHooks, type LivehubHooks } from './typed-hooks.js';
export { livehubKeys } from './keys.js';
export { applyToList, applyToRecord, supersedes, type LiveList, type Applied } from './apply-change.js';
export { matchesWhere, compareRecords, parseOrder, mergePatch, DEFAULT_LIST_LIMIT, type ListOrder } from '@livehub/protocol/core';
export { KeyedDebouncer, type DebounceTiming } from './keyed-debouncer.js';
export { sharedChannels, SharedChannels, type ChannelListener, type ChannelHandle } from './shared-channels.js';
