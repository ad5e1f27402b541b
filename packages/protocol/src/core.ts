/**
 * Everything a client needs at run time, without zod: codes, names, record and message types,
 * frame decoding. `@livehub/protocol` adds the zod decoders the hub validates frames with.
 */
export * from './codes.js';
export * from './close-policy.js';
export * from './names.js';
export * from './records.js';
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
