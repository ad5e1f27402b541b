import type { FastifyError, FastifyInstance } from 'fastify';
import type { ErrorCode } from '@livehub/protocol';
import { HubError, isHubError } from '../errors.js';

/** Maps every failure to the catalogue's JSON error body; unexpected ones are logged, not leaked. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let hubErr: HubError;
    if (isHubError(err)) hubErr = err;
    else if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') hubErr = new HubError('payload_too_large');
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') hubErr = new HubError('unsupported_media_type');
    else if (err.validation || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
      hubErr = new HubError('bad_request', err.message);
    } else {
      req.log.error({ err }, 'request failed');
      hubErr = new HubError('internal');
    }
    void reply.status(hubErr.status).send(hubErr.toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    const code: ErrorCode = 'not_found';
    void reply.status(404).send(new HubError(code, `No route ${req.method} ${req.url.split('?')[0]}`).toBody());
  });
}
