export { createClient, LivehubClient, type NoCollections } from './client.js';
export type { ClientEvents, ReconnectInfo } from './client-events.js';
export { StatusStore, type ClientStatus } from './status-store.js';
export { Subscription, type SubscribeOptions, type ResetInfo, type ResetReason, type SubscriptionEvents, type SnapshotRecord } from './subscription.js';
export type {
  ClientOptions,
  ReconnectOptions,
  GetTokenContext,
  TransportKind,
  WebSocketLike,
  WebSocketConstructor,
  WebSocketClientOptions,
} from './options.js';
export { LivehubError, isLivehubError, ClientErrorCodes, type ClientErrorCode } from './errors.js';
export { Collection, seqOf, type ListParams, type ListResult, type WriteOptions, type RecordInput, type MergePatch, type FilterValue } from './rest.js';
export type { ClientState, SubscriptionState, StateChange } from './state-machine.js';
export type { ConnectionQuality } from './connection-quality.js';
export type { TokenRefreshOptions } from './token.js';
export { backoffCeiling, backoffDelay, type BackoffCurve } from './backoff.js';
export {
  CloseCode,
  ErrorCodes,
  defineCollections,
  type ErrorCode,
  type EventMessage,
  type LiveRecord,
  type RecordChangeData,
  type CollectionDeclaration,
  type CollectionDeclarations,
  type CollectionName,
  type RecordOf,
} from '@livehub/protocol/core';
