import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tooDeep } from '../encodable.js';
import { jsonTextDepthExceeds } from '../json-depth.js';

/**
 * Methods whose body the API never reads. Many fetch wrappers send `content-type:
 * application/json` on every request; on these methods an empty body is no body, not a 400.
 * A body that is there is still parsed, so broken JSON stays a 400.
 */
const BODY_OPTIONAL = new Set(['DELETE']);

type Done = (err: Error | null, body?: unknown) => void;

/**
 * JSON bodies: `application/json`, and RFC 7386 patches as `application/merge-patch+json`. Both use
 * fastify's own parser (prototype poisoning refused), except for an empty body on a method in
 * `BODY_OPTIONAL`, which parses to `undefined`. Other methods keep fastify's "Body cannot be empty".
 * A body nested deeper than `maxJsonDepth` is refused (`too_deep`, 400) before it is parsed.
 */
export function installJsonBodyParsers(app: FastifyInstance, maxJsonDepth: number): void {
  const lenient = (parse: ReturnType<FastifyInstance['getDefaultJsonParser']>) => (req: FastifyRequest, body: string, done: Done) => {
    if (body.length === 0 && BODY_OPTIONAL.has(req.method)) return done(null, undefined);
    if (jsonTextDepthExceeds(body, maxJsonDepth)) return done(tooDeep('Body', maxJsonDepth));
    // The default parser answers through `done` (its type also allows a Promise, which it never returns).
    void parse(req, body, done);
  };
  app.removeContentTypeParser('application/json');
  // fastify's defaults for application/json: prototype poisoning is an error, constructor poisoning ignored.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, lenient(app.getDefaultJsonParser('error', 'ignore')));
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, lenient(app.getDefaultJsonParser('error', 'error')));
}
