import { LIST_RESERVED_PARAMS, encodeFilterValue, type FilterValue, type LiveRecord, type ListResponse, type ServerField } from '@livehub/protocol/core';
import { LivehubError, errorFromBody } from './errors.js';
import { fetchFailed } from './network-error.js';

/** What the HTTP helpers need from the client. */
export interface HttpDeps {
  base: string;
  fetch: typeof fetch;
  timeoutMs: number;
  clientId(): string | undefined;
  /** The current token, fetching one first if the client has none yet. */
  token(): Promise<string | undefined>;
  /** After a 401: a fresh token to retry once with, or undefined to give up. */
  refreshToken(): Promise<string | undefined>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface HttpRequest {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Aborts with the caller's signal as well as the timeout. */
  signal?: AbortSignal;
  /** Overrides the timeout (long-poll holds requests open). */
  timeoutMs?: number;
}

function withQuery(path: string, query: HttpRequest['query']): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  const c = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      c.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

/**
 * One HTTP call to the hub: JSON in and out, bearer token, one retry with a fresh token after a
 * 401, and every non-2xx turned into a LivehubError carrying the hub's code and field details.
 */
export async function httpRequest(deps: HttpDeps, method: string, path: string, req: HttpRequest = {}): Promise<HttpResult> {
  const send = async (token: string | undefined): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const clientId = deps.clientId();
    if (clientId !== undefined) headers['x-client-id'] = clientId;
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    const timeout = AbortSignal.timeout(req.timeoutMs ?? deps.timeoutMs);
    const init: RequestInit = { method, headers, signal: req.signal ? anySignal([req.signal, timeout]) : timeout };
    if (req.body !== undefined) init.body = JSON.stringify(req.body);
    const url = deps.base + withQuery(path, req.query);
    try {
      return await deps.fetch(url, init);
    } catch (err) {
      if (req.signal?.aborted) throw err;
      if (timeout.aborted) throw new LivehubError('timeout', `${method} ${path}: no answer within ${req.timeoutMs ?? deps.timeoutMs} ms`, { cause: err });
      throw fetchFailed(`${method} ${path}`, url, err);
    }
  };
  let res = await send(await deps.token());
  if (res.status === 401) {
    const fresh = await deps.refreshToken();
    if (fresh !== undefined) {
      await res.body?.cancel();
      res = await send(fresh);
    }
  }
  const text = await res.text();
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new LivehubError('bad_response', `${method} ${path}: HTTP ${res.status}, not JSON`, { status: res.status });
    }
  }
  if (!res.ok) throw errorFromBody(body, res.status);
  return { status: res.status, headers: res.headers, body };
}

/** Fields a write may carry: the record's own, without the hub-owned ones. */
export type RecordInput<T extends object> = Omit<T, ServerField>;
/** JSON Merge Patch (RFC 7386): `null` removes a field, objects merge, anything else replaces. */
export type MergePatch<T extends object> = { [K in keyof RecordInput<T>]?: RecordInput<T>[K] | null };
/** A list filter value, matched per the hub's JSON-scalar rule. */
export type { FilterValue };

export interface ListParams {
  /** Equality filters, AND-ed: `{ status: 'idle', 'meta.owner': 'ann' }`. */
  where?: Record<string, FilterValue>;
  /** `field` ascending or `-field` descending. Default `createdAt`. */
  order?: string;
  /** 1…1000 (hub `listLimit.max`); hub default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface ListResult<T extends object> {
  items: LiveRecord<T>[];
  /** Present when another page follows. */
  nextCursor: string | undefined;
  /** Log head the page was read at: `subscribe(channel, { since: seq, epoch })` follows it with no gap. */
  seq: number;
  epoch: string;
}

export interface WriteOptions {
  /** Write only if the record is at this version (`If-Match`); otherwise `version_conflict` (412). */
  ifVersion?: number;
}

function ifMatch(opts: WriteOptions | undefined): Record<string, string> {
  return opts?.ifVersion !== undefined ? { 'if-match': `"${opts.ifVersion}"` } : {};
}

/** Typed REST helpers for one collection: `client.collection<Agent>('agent')`. */
/** The change-log position of the write that returned each record (from `x-livehub-seq`). */
const writeSeqs = new WeakMap<object, number>();

function written<T extends object>(res: HttpResult): LiveRecord<T> {
  const record = res.body as LiveRecord<T>;
  const seq = Number(res.headers.get('x-livehub-seq'));
  if (Number.isInteger(seq) && typeof record === 'object' && record !== null) writeSeqs.set(record, seq);
  return record;
}

/**
 * The seq of the change a write (`create`, `update`, `patch`) made, for a record it returned:
 * a cache that has already applied events up to this seq knows the response is not news.
 */
export function seqOf(record: object): number | undefined {
  return writeSeqs.get(record);
}

export class Collection<T extends object = Record<string, unknown>> {
  private readonly path: string;

  constructor(
    private readonly deps: HttpDeps,
    readonly name: string,
  ) {
    this.path = `/api/c/${encodeURIComponent(name)}`;
  }

  private item(id: string): string {
    return `${this.path}/${encodeURIComponent(id)}`;
  }

  /** One page; `seq`/`epoch` let a subscription continue from exactly this page. */
  async list(params: ListParams = {}): Promise<ListResult<T>> {
    const query: Record<string, string | number | undefined> = { order: params.order, limit: params.limit, cursor: params.cursor };
    for (const [k, v] of Object.entries(params.where ?? {})) {
      if (LIST_RESERVED_PARAMS.includes(k)) throw new TypeError(`'${k}' cannot be filtered on through the list API`);
      query[k] = encodeFilterValue(v);
    }
    const { body } = await httpRequest(this.deps, 'GET', this.path, { query });
    const page = body as ListResponse<T>;
    return { items: page.items, nextCursor: page.nextCursor, seq: page.seq, epoch: page.epoch };
  }

  async get(id: string): Promise<LiveRecord<T>> {
    return (await httpRequest(this.deps, 'GET', this.item(id))).body as LiveRecord<T>;
  }

  /** `POST`; `id` is optional (the hub generates a time-sortable one). */
  async create(data: RecordInput<T> & { id?: string }): Promise<LiveRecord<T>> {
    return written<T>(await httpRequest(this.deps, 'POST', this.path, { body: data }));
  }

  /** `PUT`: replaces the record's data (fields not sent are removed). */
  async update(id: string, data: RecordInput<T>, opts?: WriteOptions): Promise<LiveRecord<T>> {
    return written<T>(await httpRequest(this.deps, 'PUT', this.item(id), { body: data, headers: ifMatch(opts) }));
  }

  /** `PATCH` with a JSON Merge Patch. */
  async patch(id: string, patch: MergePatch<T>, opts?: WriteOptions): Promise<LiveRecord<T>> {
    return written<T>(
      await httpRequest(this.deps, 'PATCH', this.item(id), { body: patch, contentType: 'application/merge-patch+json', headers: ifMatch(opts) }),
    );
  }

  async remove(id: string, opts?: WriteOptions): Promise<void> {
    await httpRequest(this.deps, 'DELETE', this.item(id), { headers: ifMatch(opts) });
  }
}
