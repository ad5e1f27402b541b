/**
 * Everything a client needs at run time, without zod: codes and the close policy, names, record
 * and message types, frame decoding, merge patch, list semantics, HTTP response bodies. `@livehub/protocol` adds the zod decoders the hub validates frames with.
 */
export * from './codes.js';
export * from './close-policy.js';
export * from './names.js';
export * from './records.js';
export * from './merge-patch.js';
export * from './list-match.js';
export * from './http-bodies.js';
export * from './collection-types.js';
export * from './server-messages.js';
export type {
  AuthMessage,
  ClientMessage,
  PingMessage,
  PublishMessage,
  RequestId,
  SubscribeMessage,
  SyncRequestMessage,
  UnsubscribeMessage,
} from './client-messages.js';
