export * from './codes.js';
export * from './names.js';
export * from './records.js';
export * from './messages.js';
