/**
 * Credentials never reach a log line. Structured fields that carry them are censored by pino's
 * `redact` (REDACT_PATHS); every finished line is scrubbed again (`scrubLine`, pino's `streamWrite`
 * hook), so a token inside a message, an error text or a URL is cut out too.
 */
export const REDACTED = '[redacted]';

/** Field paths that hold credentials wherever a log call puts them. */
export const REDACT_PATHS = [
  'authorization',
  'token',
  '*.authorization',
  '*.token',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.token',
  'res.headers["set-cookie"]',
];

const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;
// `?token=…` / `&token=…` in a URL or a query string.
const QUERY_TOKEN = /([?&](?:token|access_token)=)[^&\s"'#]+/gi;
// The password of a URL with credentials (`postgres://user:secret@host/db`, `redis://:secret@host`).
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/"]*:)[^\s@/"]+@/gi;
// `"token":"…"` in a JSON text that ended up inside a field (a frame, an error message).
const JSON_TOKEN = /("(?:token|authorization)\\?"\s*:\s*\\?")(?:[^"\\]|\\.)*?(\\?")/gi;

/** `line` with every credential it holds replaced by `[redacted]`. */
export function scrubLine(line: string): string {
  if (!/eyJ|bearer|token|authorization|:\/\//i.test(line)) return line;
  return line
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(QUERY_TOKEN, `$1${REDACTED}`)
    .replace(JSON_TOKEN, `$1${REDACTED}$2`);
}

/** A URL to log: the `token` query parameter's value and any password replaced. */
export function loggableUrl(url: string): string {
  return url.replace(QUERY_TOKEN, `$1${REDACTED}`).replace(URL_PASSWORD, `$1${REDACTED}@`);
}
