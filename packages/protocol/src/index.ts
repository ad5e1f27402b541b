// The full protocol, with the zod decoders; `./core.js` is the same minus zod, for clients.
export * from './codes.js';
export * from './close-policy.js';
export * from './names.js';
export * from './records.js';
export * from './merge-patch.js';
export * from './list-match.js';
export * from './http-bodies.js';
export * from './collection-types.js';
export * from './server-messages.js';
export * from './client-messages.js';
