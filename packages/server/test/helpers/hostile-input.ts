import fc from 'fast-check';
import { CLIENT_MESSAGE_TYPES } from '@livehub/protocol';

/**
 * fast-check arbitraries for what an attacker sends a hub: WebSocket frames and HTTP requests.
 * Each mixes random junk with near-valid input (right shape, wrong types, hostile values), since
 * near-valid input is what gets past the first checks and reaches the code behind them.
 */

/** Names that collide with `Object.prototype` members or the hub's own names. */
const HOSTILE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '*', 'system', 'agent', 'agent:1', ''];

const deepText = (open: string, close: string) => fc.integer({ min: 1, max: 5000 }).map((n) => open.repeat(n) + close.repeat(n));

/** JSON values a field of a message might be given. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    2 ** 53,
    -(2 ** 53),
    1e308,
    -1,
    0,
    1.5,
    Number.MAX_SAFE_INTEGER + 2,
    'x'.repeat(129),
    'x'.repeat(5000),
    'a::b',
    ':x',
    'room:1',
    ...HOSTILE_NAMES,
  ),
  // Around the default maxJsonDepth (64), both sides of it.
  fc.integer({ min: 1, max: 80 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown),
);

/** A message with a real `type` (or a near miss) and random or hostile fields. */
const nearValidMessage = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...CLIENT_MESSAGE_TYPES), fc.constantFrom('Subscribe', 'event', 'welcome', '', ' ping', '__proto__')),
    id: hostileValue,
    channel: hostileValue,
    since: hostileValue,
    epoch: hostileValue,
    limit: hostileValue,
    snapshot: hostileValue,
    event: hostileValue,
    data: hostileValue,
    token: hostileValue,
    ts: hostileValue,
    channels: hostileValue,
  },
  { requiredKeys: ['type'] },
);

const requestId = fc.oneof(fc.string({ maxLength: 128 }), fc.maxSafeInteger());
/** Strings that pass the decoder's type checks and stress the handlers behind it. */
const channelName = fc.oneof(
  fc.constantFrom('agent', 'agent:a1', 'room:1', 'room:*', '*', 'system', 'chat', 'a:b:c', 'x'.repeat(300), 'agent:__proto__', 'constructor'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const eventName = fc.oneof(fc.constantFrom('x', 'chat.message', 'agent.created', 'a..b', '.x', 'x'.repeat(65)), fc.string({ maxLength: 20 }));
const since = fc.oneof(
  fc.nat(),
  fc.maxSafeNat(),
  fc.constantFrom('2026-01-31T09:30:00Z', '1970-01-01T00:00:00+00:00', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z'),
);

/** Messages the decoder accepts, with hostile values where the types allow them. */
const validMessage = fc.oneof(
  fc.record(
    { type: fc.constant('subscribe'), id: requestId, channel: channelName, since, epoch: fc.string({ maxLength: 128 }), snapshot: fc.boolean() },
    { requiredKeys: ['type', 'id', 'channel'] },
  ),
  fc.record({ type: fc.constant('unsubscribe'), id: requestId, channel: channelName }),
  fc.record(
    { type: fc.constant('publish'), id: requestId, channel: channelName, event: eventName, data: hostileValue },
    { requiredKeys: ['type', 'channel', 'event'] },
  ),
  fc.record(
    { type: fc.constant('sync_request'), id: requestId, since, epoch: fc.string({ maxLength: 128 }), limit: fc.integer({ min: 1, max: 10_000 }) },
    { requiredKeys: ['type', 'since'] },
  ),
  fc.record({ type: fc.constant('ping'), id: requestId, ts: fc.double() }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('auth'), token: fc.string({ minLength: 1, maxLength: 200 }) }),
);

/** A valid message with one field replaced by a hostile value (wrong type, huge, deep, prototype names). */
const mutatedMessage = fc
  .tuple(validMessage, fc.constantFrom('id', 'channel', 'since', 'epoch', 'limit', 'snapshot', 'event', 'data', 'token', 'ts'), hostileValue)
  .map(([m, key, v]) => ({ ...m, [key]: v }));

export type HostileFrame = { text: string } | { binary: Uint8Array };

/** One WebSocket frame: valid and near-valid messages, junk text, random JSON, arrays, deep nesting, binary. */
export const hostileFrame: fc.Arbitrary<HostileFrame> = fc.oneof(
  { weight: 3, arbitrary: validMessage.map((m) => ({ text: JSON.stringify(m) })) },
  { weight: 3, arbitrary: mutatedMessage.map((m) => ({ text: JSON.stringify(m) })) },
  { weight: 2, arbitrary: nearValidMessage.map((m) => ({ text: JSON.stringify(m) })) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: nearValidMessage.map((m) => JSON.stringify(m)).chain((t) => fc.nat({ max: t.length }).map((n) => ({ text: t.slice(0, n) }))) },
  { weight: 1, arbitrary: fc.array(nearValidMessage, { maxLength: 5 }).map((a) => ({ text: JSON.stringify(a) })) },
  { weight: 1, arbitrary: fc.oneof(deepText('[', ']'), deepText('{"a":', '1}')).map((text) => ({ text })) },
  { weight: 1, arbitrary: deepText('[', ']').map((d) => ({ text: `{"type":"publish","id":"deep","channel":"room:1","event":"x","data":${d}}` })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((binary) => ({ binary })) },
);

/* ---------- HTTP ---------- */

/**
 * Characters node's HTTP client sends raw in a path (it refuses controls and spaces). Bytes over
 * 0x7f are rare: node's parser refuses any of them in a request line, so a path with one never
 * reaches the routes.
 */
const pathChar = fc
  .oneof({ weight: 200, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) }, { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) })
  .map((c) => String.fromCharCode(c));
const pathText = (maxLength: number) => fc.string({ unit: pathChar, maxLength });
/** Header values node accepts: printable ASCII and tab. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });

const segment = fc.oneof(
  fc.constantFrom('agent', 'x', 'room', '..', '.', '%00', '%ff', '%', '%E0%A4%A', '%2e%2e', '%2F', 'a'.repeat(200), 'A', ...HOSTILE_NAMES),
  pathText(24),
  fc.uint8Array({ maxLength: 12 }).map((b) => [...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('')),
);

const routePath = fc.oneof(
  segment.map((c) => `/api/c/${c}`),
  fc.tuple(segment, segment).map(([c, id]) => `/api/c/${c}/${id}`),
  fc.constantFrom(
    '/api/c/agent',
    '/api/changes',
    '/api/events',
    '/api/publish',
    '/api/collections',
    '/api/hub/clients',
    '/api/hub/stats',
    '/healthz',
    '/metrics',
    '/ws',
    '/',
    '//',
    '/api',
    '/api/',
  ),
  segment.map((s) => `/api/hub/${s}`),
  segment.map((s) => `/${s}`),
  fc.array(segment, { maxLength: 6 }).map((s) => '/' + s.join('/')),
);

const queryKey = fc.oneof(
  fc.constantFrom(
    'limit',
    'cursor',
    'order',
    'since',
    'wait',
    'channels',
    'epoch',
    'token',
    'clientId',
    'seconds',
    'a.b',
    'a.b.c.d.e',
    '__proto__[x]',
    'a[]',
    ...HOSTILE_NAMES,
  ),
  pathText(16),
);
const queryValue = fc.oneof(
  fc.constantFrom(
    '',
    '-1',
    '0',
    '1',
    '1.5',
    '1e400',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '"x"',
    '-__proto__',
    '-constructor',
    'toString',
    '%ff',
    '%',
    'room:1',
    'agent',
    '*',
    'a'.repeat(3000),
  ),
  fc.integer().map(String),
  pathText(30),
);
/**
 * A query string of hostile pairs. A *valid* long-poll hold (`wait` over half a second) is not
 * hostile input, only a slow reply, so it is shortened: the suite must stay well under a minute.
 */
const queryString = fc
  .array(fc.tuple(queryKey, queryValue), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => (k === 'wait' && Number(v) > 0.5 ? [k, '0.1'] : [k, v])).map(([k, v]) => `${k}=${v}`));

const body = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ id: v, name: v, data: v })),
  fc.record({ channel: hostileValue, event: hostileValue, data: hostileValue }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  deepText('[', ']'),
  deepText('{"a":', '1}'),
  fc.constantFrom(
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"id":"a".repeat}',
    '{"id":1e400}',
    '{"id":{}}',
    '\u0000',
    '{"a":"\\ud800"}',
  ),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/merge-patch+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/json; charset=ascii',
    'APPLICATION/JSON',
    '',
  ),
  headerText,
);

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const withQuery = (path: string, q: string[] | undefined): string => (q && q.length ? `${path}?${q.join('&')}` : path);
const jsonHeaders = fc.constantFrom<Record<string, string>>({ 'content-type': 'application/json' }, { 'content-type': 'application/merge-patch+json' });
const recordId = fc.oneof(fc.constantFrom('a1', 'x'.repeat(128), 'x'.repeat(129), '__proto__', 'constructor', '.', '~'), pathText(12));

/** A request a client could send by mistake or on purpose: a real route, JSON headers, hostile query or body. */
const nearValidRequest: fc.Arbitrary<HostileRequest> = fc.oneof(
  fc.record({ method: fc.constant('GET'), path: queryString.map((q) => withQuery('/api/c/agent', q)), headers: fc.constant({}), body: fc.constant(undefined) }),
  fc.record({
    method: fc.constant('GET'),
    path: fc.tuple(fc.constantFrom('/api/changes', '/api/events', '/api/hub/stats', '/api/c/room'), queryString).map(([p, q]) => withQuery(p, q)),
    headers: fc.constant({}),
    body: fc.constant(undefined),
  }),
  fc.record({ method: fc.constant('POST'), path: fc.constantFrom('/api/c/agent', '/api/c/room', '/api/publish'), headers: jsonHeaders, body }),
  fc.record({ method: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'GET'), path: recordId.map((id) => `/api/c/room/${id}`), headers: jsonHeaders, body }),
);

/** Method, path, query, headers and body each hostile, or not, independently. */
const wildRequest: fc.Arbitrary<HostileRequest> = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO'),
  path: fc.tuple(routePath, fc.option(queryString, { nil: undefined })).map(([p, q]) => (q && q.length ? `${p}?${q.join('&')}` : p)),
  headers: fc.record(
    {
      'content-type': contentType,
      'if-match': fc.oneof(headerText, fc.constantFrom('"1"', '"0"', '"-1"', '"99999999999999999999"', '*', 'W/"1"')),
      'x-client-id': fc.oneof(headerText, fc.constantFrom('', 'a'.repeat(300), '__proto__')),
      authorization: fc.oneof(headerText, fc.constantFrom('Bearer ', 'Bearer a.b.c', 'Basic Zm9vOmJhcg==')),
      accept: fc.oneof(headerText, fc.constantFrom('text/event-stream', '*/*', 'application/json')),
      'last-event-id': headerText,
      'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x'),
      origin: fc.constantFrom('https://evil.example', 'null', ''),
    },
    { requiredKeys: [] },
  ),
  body: fc.option(body, { nil: undefined }),
});

/** One hostile HTTP request: half near-valid (real routes, hostile values), half wild. */
export const hostileRequest: fc.Arbitrary<HostileRequest> = fc.oneof(nearValidRequest, wildRequest);
