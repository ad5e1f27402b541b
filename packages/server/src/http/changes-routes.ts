import { SYSTEM_CHANNEL, parseChannel, type ChangesResponse, type PublishResponse } from '@livehub/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { channelFilters, readChanges } from '../collections/changes-reader.js';
import { HubError } from '../errors.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { Hub } from '../hub/hub.js';
import type { Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';

const ChangesQuery = z.object({
  /** A seq, or an ISO-8601 timestamp with a zone (the changes committed at or after it). */
  since: z
    .union([z.iso.datetime({ offset: true }), z.coerce.number().int().min(0)], { error: 'since must be a seq or an ISO-8601 timestamp with a zone' })
    .default(0),
  epoch: z.string().max(128).optional(),
  channels: z.string().max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Long-poll: with nothing new, hold the request up to this many seconds for a change. */
  wait: z.coerce.number().min(0).max(30).default(0),
});

const PublishBody = z.object({ channel: z.string(), event: z.string(), data: z.unknown().optional() });

function issues(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function registerChangesRoutes(app: FastifyInstance, deps: { store: Store; visibility: Visibility; hub: Hub; authz: Authorizer }): void {
  /** The change log over HTTP: `?since=&channels=agent,task:7&limit=&epoch=`. */
  app.get('/api/changes', async (req, reply): Promise<ChangesResponse> => {
    const q = ChangesQuery.safeParse(req.query);
    if (!q.success) throw new HubError('invalid_query', 'Invalid changes query', issues(q.error));
    const channels = q.data.channels ? q.data.channels.split(',').filter(Boolean) : [];
    const request = { since: q.data.since, epoch: q.data.epoch, channels, limit: q.data.limit };
    // One scope for both reads: the rules are bound (and the hook asked) once per collection.
    const scope = deps.authz.readScope(req.principal);
    const first = await readChanges(deps.store, deps.visibility, request, scope);
    if (q.data.wait === 0 || first.changes.length > 0 || first.reset || first.more) return first;
    // Long-poll: wait for a change on these channels, then read again. The node's fan-out is the
    // signal; the read is from the log, so a poll served by any node returns the same data.
    const abort = new AbortController();
    reply.raw.on('close', () => abort.abort());
    const deadline = Date.now() + q.data.wait * 1000;
    const filters = channelFilters(channels);
    let last = first;
    // A change the reader may not see wakes the poll too: it reads nothing and waits on until the
    // deadline. Answering at once would tell the reader that someone wrote, and when.
    for (;;) {
      const ms = deadline - Date.now();
      if (ms <= 0 || abort.signal.aborted || deps.hub.isClosing) return last;
      await deps.hub.waitForChange(filters, last.seq, ms, abort.signal);
      const next = await readChanges(deps.store, deps.visibility, { ...request, since: last.seq }, scope);
      if (next.changes.length > 0 || next.reset || next.more) return next;
      last = next;
    }
  });

  /** Ephemeral publish: `{ channel, event, data }` → every subscriber of the channel. */
  app.post('/api/publish', async (req, reply) => {
    const body = PublishBody.safeParse(req.body);
    if (!body.success) throw new HubError('bad_request', 'Body must be { channel, event, data }', issues(body.error));
    // Unlike WS clients, HTTP callers may publish on `system`: this is the backends' API (admins only when auth is on).
    if (body.data.channel === SYSTEM_CHANNEL) deps.hub.admin.require(req.principal, `Publishing on '${SYSTEM_CHANNEL}'`);
    // An invalid channel is refused as such by `hub.publish`, not as forbidden.
    else if (parseChannel(body.data.channel)) await deps.authz.publish(req.principal, body.data.channel, body.data.event);
    await deps.hub.publish(body.data.channel, body.data.event, body.data.data ?? null);
    return reply.status(202).send({ ok: true } satisfies PublishResponse);
  });
}
