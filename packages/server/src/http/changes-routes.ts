import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readChanges } from '../collections/changes-reader.js';
import { HubError } from '../errors.js';
import type { Hub } from '../hub/hub.js';
import type { Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';

const ChangesQuery = z.object({
  since: z.coerce.number().int().min(0).default(0),
  epoch: z.string().max(128).optional(),
  channels: z.string().max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

const PublishBody = z.object({ channel: z.string(), event: z.string(), data: z.unknown().optional() });

function issues(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function registerChangesRoutes(app: FastifyInstance, deps: { store: Store; visibility: Visibility; hub: Hub }): void {
  /** The change log over HTTP: `?since=&channels=agent,task:7&limit=&epoch=`. */
  app.get('/api/changes', async (req) => {
    const q = ChangesQuery.safeParse(req.query);
    if (!q.success) throw new HubError('invalid_query', 'Invalid changes query', issues(q.error));
    const channels = q.data.channels ? q.data.channels.split(',').filter(Boolean) : [];
    return readChanges(deps.store, deps.visibility, { since: q.data.since, epoch: q.data.epoch, channels, limit: q.data.limit });
  });

  /** Ephemeral publish: `{ channel, event, data }` → every subscriber of the channel. */
  app.post('/api/publish', async (req, reply) => {
    const body = PublishBody.safeParse(req.body);
    if (!body.success) throw new HubError('bad_request', 'Body must be { channel, event, data }', issues(body.error));
    // Unlike WS clients, HTTP callers may publish on `system`: this is the backends' API.
    await deps.hub.publish(body.data.channel, body.data.event, body.data.data ?? null);
    return reply.status(202).send({ ok: true });
  });
}
