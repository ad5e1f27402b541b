import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '@livehub/protocol';
import { HubError, isHubError } from '../errors.js';

/** One failure → the catalogue's error; unexpected ones are logged, not leaked. */
function toHubError(err: FastifyError, req: FastifyRequest): HubError {
  if (isHubError(err)) return err;
  if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new HubError('payload_too_large');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new HubError('unsupported_media_type');
  if (err.validation || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
    return new HubError('bad_request', err.message);
  }
  req.log.error({ err }, 'request failed');
  return new HubError('internal');
}

/**
 * Errors fastify raises before routing (a URL that does not decode, `/%ff`; a path parameter over
 * `maxParamLength`), which bypass the error handler: pass as `frameworkErrors` to `Fastify()` so
 * they too answer with the catalogue's body.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const hubErr = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new HubError('not_found', 'Path segment too long') : toHubError(err, req);
  void reply.status(hubErr.status).send(hubErr.toBody());
}

/**
 * Requests node's HTTP parser refuses before fastify sees them (an unknown method, a malformed
 * request line or header, headers over the size limit, a request timeout): pass as
 * `clientErrorHandler` to `Fastify()`. Same statuses as fastify's default (400, 431, 408), but the
 * catalogue's body, code `bad_request`; the connection is then closed, as node does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request timed out']
        : [400, 'Malformed HTTP request'];
  const body = JSON.stringify(new HubError('bad_request', message).toBody());
  // A reply to HEAD has no body (RFC 9110 §9.3.2): a client would read one as a second response.
  const isHead = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  if (socket.writable) {
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`;
    socket.write(isHead ? head : head + body);
  }
  socket.destroy();
}

/** Maps every failure to the catalogue's JSON error body. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const hubErr = toHubError(err, req);
    void reply.status(hubErr.status).send(hubErr.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    const code: ErrorCode = 'not_found';
    void reply.status(404).send(new HubError(code, `No route ${req.method} ${req.url.split('?')[0]}`).toBody());
  });
}
