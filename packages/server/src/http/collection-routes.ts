import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CollectionSummary, CollectionsResponse, ListResponse, PayloadMode } from '@livehub/protocol';
import type { CollectionService } from '../collections/collection-service.js';
import { HubError } from '../errors.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { Change, Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import { parseListQuery } from './list-params.js';

interface Deps {
  collections: CollectionService;
  store: Store;
  visibility: Visibility;
  listLimit: { default: number; max: number };
  declared: () => Array<{ name: string; payload: PayloadMode }>;
  authz: Authorizer;
}

type Params = { collection: string; id: string };

/** `If-Match: 3`, `"3"` or `W/"3"` → 3; absent → undefined. */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const raw = (Array.isArray(header) ? header[0]! : header)
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
  const v = Number(raw);
  if (raw === '' || !Number.isInteger(v) || v < 0) throw new HubError('bad_request', 'If-Match must be a record version, e.g. If-Match: "3"');
  return v;
}

export function registerCollectionRoutes(app: FastifyInstance, deps: Deps): void {
  const { collections, visibility } = deps;

  const sendRecord = (reply: FastifyReply, change: Change, status: number) => {
    const record = visibility.record(change.record);
    return reply.status(status).header('etag', `"${record.version}"`).header('x-livehub-seq', String(change.seq)).send(record);
  };

  app.get('/api/collections', async (req): Promise<CollectionsResponse> => {
    const stored = await deps.store.collections();
    const byName = new Map<string, CollectionSummary>();
    for (const c of stored) byName.set(c.name, { ...c, declared: false });
    for (const d of deps.declared()) byName.set(d.name, { name: d.name, count: byName.get(d.name)?.count ?? 0, payload: d.payload, declared: true });
    // A principal sees the collections it may read; a total of records it may only partly read is not told.
    const out: CollectionSummary[] = [];
    for (const c of byName.values()) {
      const access = deps.authz.readAccess(req.principal, c.name);
      if (access === false) continue;
      out.push(access === true ? c : { ...c, count: null });
    }
    return { collections: out.sort((a, b) => a.name.localeCompare(b.name)) };
  });

  app.get<{ Params: Pick<Params, 'collection'>; Querystring: Record<string, unknown> }>('/api/c/:collection', async (req) => {
    const query = parseListQuery(req.query, deps.listLimit);
    const page = await collections.list(req.params.collection, query, req.principal);
    const body: ListResponse = { items: page.items.map((r) => visibility.record(r)), seq: page.seq, epoch: deps.store.epoch };
    if (page.nextCursor !== undefined) body.nextCursor = page.nextCursor;
    return body;
  });

  app.post<{ Params: Pick<Params, 'collection'> }>('/api/c/:collection', async (req, reply) => {
    const change = await collections.create(req.params.collection, req.body, req.principal);
    void reply.header('location', `/api/c/${change.collection}/${encodeURIComponent(change.id)}`);
    return sendRecord(reply, change, 201);
  });

  app.get<{ Params: Params }>('/api/c/:collection/:id', async (req, reply) => {
    const record = visibility.record(await collections.get(req.params.collection, req.params.id, req.principal));
    return reply.header('etag', `"${record.version}"`).send(record);
  });

  app.put<{ Params: Params }>('/api/c/:collection/:id', async (req, reply) => {
    const change = await collections.replace(req.params.collection, req.params.id, req.body, parseIfMatch(req.headers['if-match']), req.principal);
    return sendRecord(reply, change, 200);
  });

  app.patch<{ Params: Params }>('/api/c/:collection/:id', async (req, reply) => {
    const change = await collections.patch(req.params.collection, req.params.id, req.body, parseIfMatch(req.headers['if-match']), req.principal);
    return sendRecord(reply, change, 200);
  });

  app.delete<{ Params: Params }>('/api/c/:collection/:id', async (req, reply) => {
    const change = await collections.remove(req.params.collection, req.params.id, parseIfMatch(req.headers['if-match']), req.principal);
    return reply.status(204).header('x-livehub-seq', String(change.seq)).send();
  });
}
