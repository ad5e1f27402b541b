/**
 * The one catalogue of close codes and error codes. Server and client import these; nothing else
 * in the tree spells a close code or an error code as a literal.
 */

/** WebSocket close codes used by livehub (RFC 6455 codes plus the 4xxx application range). */
export const CloseCode = {
  /** Normal closure: the client is done. Never sent by the hub; a client that gets it (from a proxy) reconnects with backoff. */
  Normal: 1000,
  /** Server going away (shutdown, deploy). Reconnect at once, ideally to another node. */
  GoingAway: 1001,
  /** No close frame: the connection dropped (reported locally, never sent). Reconnect with backoff. */
  Abnormal: 1006,
  /** Policy violation (rate limit, origin). */
  Policy: 1008,
  /** A frame exceeded the hub's maximum frame size. */
  TooBig: 1009,
  /** Repeated protocol errors on one connection. */
  ProtocolError: 4400,
  /** No or expired credentials. Refresh the token, then reconnect. */
  Unauthenticated: 4401,
  /** The principal may not do what it asked. Do not retry. */
  Forbidden: 4403,
  /** The peer's outbound queue went over its limit (slow consumer). Reconnect and resume. */
  SlowConsumer: 4408,
  /** Too many connections for this principal or node. */
  TooManyConnections: 4429,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

interface ErrorSpec {
  /** HTTP status when the error is an HTTP response. */
  readonly status: number;
  /** Default human message. */
  readonly message: string;
}

/**
 * Error codes carried in `{"type":"error","code"}` frames and in HTTP error bodies
 * `{"error":{"code","message","details?"}}`.
 */
export const ErrorCodes = {
  bad_json: { status: 400, message: 'Frame is not valid JSON' },
  bad_frame: { status: 400, message: 'Frame does not match the protocol' },
  binary_unsupported: { status: 400, message: 'Binary frames are not supported; send JSON text' },
  unknown_type: { status: 400, message: 'Unknown message type' },
  bad_request: { status: 400, message: 'Request is malformed' },
  too_deep: { status: 400, message: 'JSON is nested deeper than maxJsonDepth' },
  invalid_collection: { status: 400, message: 'Collection name must match [a-z][a-z0-9_-]{0,63}' },
  invalid_id: { status: 400, message: 'Record id must match [A-Za-z0-9_.~-]{1,128}' },
  invalid_channel: { status: 400, message: 'Invalid channel name' },
  invalid_event: { status: 400, message: 'Invalid event name' },
  invalid_cursor: { status: 400, message: 'Cursor is not one this hub issued for this query' },
  invalid_query: { status: 400, message: 'Invalid list query' },
  validation_failed: { status: 400, message: 'Record does not match the collection schema' },
  reserved_event: { status: 400, message: 'Record event names are reserved for the change log' },
  not_found: { status: 404, message: 'Not found' },
  already_exists: { status: 409, message: 'A record with this id already exists' },
  version_conflict: { status: 412, message: 'Record version does not match If-Match' },
  payload_too_large: { status: 413, message: 'Payload too large' },
  snapshot_too_large: { status: 413, message: 'Snapshot is larger than maxSnapshotRecords; page it over HTTP' },
  resync_required: { status: 410, message: 'The log was compacted past this position during the replay; subscribe again' },
  unsupported_media_type: { status: 415, message: 'Send application/json' },
  unauthenticated: { status: 401, message: 'Authentication required' },
  forbidden: { status: 403, message: 'Forbidden' },
  origin_not_allowed: { status: 403, message: 'Origin is not in allowedOrigins' },
  host_not_allowed: { status: 421, message: 'Host is not one this hub serves (see browser.allowedHosts)' },
  not_subscribed: { status: 400, message: 'Not subscribed to this channel' },
  shutting_down: { status: 503, message: 'Hub is shutting down' },
  bus_unavailable: { status: 503, message: 'The message bus is unreachable: ephemeral events cannot be delivered now (durable writes still are)' },
  slow_consumer: { status: 503, message: 'Outbound queue over its limit' },
  too_many_connections: { status: 429, message: 'Too many connections' },
  too_many_subscriptions: { status: 429, message: 'Too many subscriptions on this connection' },
  too_many_requests: { status: 429, message: 'Too many requests waiting on this connection' },
  internal: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorCodes, value);
}

/**
 * The error code a transport without close codes (SSE) sends as its last message, for the
 * condition a WebSocket would close with `code`. The message also carries `closeCode`.
 */
export function errorCodeForClose(code: number): ErrorCode {
  switch (code) {
    case CloseCode.GoingAway:
      return 'shutting_down';
    case CloseCode.Unauthenticated:
      return 'unauthenticated';
    case CloseCode.Forbidden:
    case CloseCode.Policy:
      return 'forbidden';
    case CloseCode.SlowConsumer:
      return 'slow_consumer';
    case CloseCode.TooManyConnections:
      return 'too_many_connections';
    case CloseCode.TooBig:
      return 'payload_too_large';
    case CloseCode.ProtocolError:
      return 'bad_frame';
    default:
      return 'internal';
  }
}

/** Body of every HTTP error response. */
export interface HttpErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Field-level problems, e.g. schema violations: `[{ path: "name", message: "Required" }]`. */
    details?: FieldIssue[];
  };
}

export interface FieldIssue {
  path: string;
  message: string;
}
