import { ErrorCodes, type ErrorCode, type FieldIssue, type HttpErrorBody } from '@livehub/protocol';

/** The one error type the hub throws on purpose; its code comes from the protocol catalogue. */
export class HubError extends Error {
  readonly code: ErrorCode;
  readonly details: FieldIssue[] | undefined;

  constructor(code: ErrorCode, message?: string, details?: FieldIssue[]) {
    super(message ?? ErrorCodes[code].message);
    this.name = 'HubError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }

  toBody(): HttpErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isHubError(err: unknown): err is HubError {
  return err instanceof HubError;
}
