import { encodeFilterValue, parseChannel, type LiveRecord, type ListResponse } from '@livehub/protocol/core';
import { LivehubError } from '../errors.js';
import { httpRequest, type HttpDeps } from '../rest.js';

export interface HttpChannelState {
  /** Log position the records are (at least) at; events after it complete them. */
  seq: number;
  epoch: string;
  records?: LiveRecord[];
}

const PAGE = 1000;

/**
 * A durable channel's position, and its records if asked, over the list API — for transports that
 * cannot get a `subscribed` snapshot (long-poll always; SSE when a new channel joins a stream that
 * resumes others). One page is exact as of its `seq`. Several pages are read at rising heads, so
 * the first page's `seq` is returned: replaying every change after it over the pages converges on
 * the same state the WebSocket snapshot gives.
 */
export async function httpChannelState(http: HttpDeps, channel: string, withRecords: boolean, signal?: AbortSignal): Promise<HttpChannelState> {
  const info = parseChannel(channel);
  // `*` is durable too, but has no list read to take a position or records from.
  if (!info || (info.kind !== 'collection' && info.kind !== 'record')) {
    throw new LivehubError('invalid_channel', `'${channel}' carries no durable changes`);
  }
  const path = `/api/c/${encodeURIComponent(info.collection)}`;
  const req = signal ? { signal } : {};
  if (info.kind === 'record') {
    const { body } = await httpRequest(http, 'GET', path, { ...req, query: { id: encodeFilterValue(info.id), limit: 1 } });
    const page = body as ListResponse;
    return { seq: page.seq, epoch: page.epoch, ...(withRecords ? { records: page.items } : {}) };
  }
  if (!withRecords) {
    const { body } = await httpRequest(http, 'GET', path, { ...req, query: { limit: 1 } });
    const page = body as ListResponse;
    return { seq: page.seq, epoch: page.epoch };
  }
  const records: LiveRecord[] = [];
  let first: ListResponse | undefined;
  let cursor: string | undefined;
  do {
    const { body } = await httpRequest(http, 'GET', path, { ...req, query: { order: 'id', limit: PAGE, cursor } });
    const page = body as ListResponse;
    first ??= page;
    if (page.epoch !== first.epoch) throw new LivehubError('bad_response', `the hub's epoch changed while reading '${channel}'`);
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { seq: first.seq, epoch: first.epoch, records };
}
