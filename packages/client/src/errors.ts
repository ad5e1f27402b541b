import { isErrorCode, type ErrorCode, type FieldIssue } from '@livehub/protocol/core';

/**
 * Codes the client raises itself, for failures that never reached the hub or had no answer.
 * Everything the hub says uses its own catalogue (`ErrorCodes` in `@livehub/protocol`).
 */
export const ClientErrorCodes = {
  /** The request could not be sent or the connection broke before an answer. */
  network_error: 'network_error',
  /** No answer within the allotted time. */
  timeout: 'timeout',
  /** The client was closed while the request was outstanding. */
  client_closed: 'client_closed',
  /** `client.subscribe` on a channel this client already has an open subscription to. */
  already_subscribed: 'already_subscribed',
  /** The hub answered with something that is not the protocol (e.g. a proxy's HTML error page). */
  bad_response: 'bad_response',
} as const;
export type ClientErrorCode = keyof typeof ClientErrorCodes;

export interface LivehubErrorInit {
  /** HTTP status, when the error came from an HTTP response (or the catalogue's status of a WS error). */
  status?: number;
  /** Field-level problems, e.g. schema violations: `[{ path: 'name', message: 'must be string' }]`. */
  details?: FieldIssue[];
  cause?: unknown;
}

/** Every error the client throws or emits. `code` is the hub's error code or a {@link ClientErrorCode}. */
export class LivehubError extends Error {
  override readonly name = 'LivehubError';
  readonly code: ErrorCode | ClientErrorCode;
  readonly status: number | undefined;
  readonly details: FieldIssue[] | undefined;

  constructor(code: ErrorCode | ClientErrorCode, message: string, init: LivehubErrorInit = {}) {
    super(message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.code = code;
    this.status = init.status;
    this.details = init.details;
  }
}

export function isLivehubError(err: unknown): err is LivehubError {
  return err instanceof LivehubError;
}

/** An `error` message (WS or SSE) or an HTTP error body's `error` as a LivehubError. */
export function errorFromBody(body: unknown, status?: number): LivehubError {
  const e = (body as { error?: unknown } | undefined)?.error ?? body;
  if (typeof e === 'object' && e !== null && isErrorCode((e as { code?: unknown }).code)) {
    const { code, message, details } = e as { code: ErrorCode; message?: unknown; details?: unknown };
    return new LivehubError(code, typeof message === 'string' ? message : code, {
      ...(status !== undefined ? { status } : {}),
      ...(Array.isArray(details) ? { details: details as FieldIssue[] } : {}),
    });
  }
  return new LivehubError('bad_response', `Unexpected response${status !== undefined ? ` (HTTP ${status})` : ''}`, status !== undefined ? { status } : {});
}
