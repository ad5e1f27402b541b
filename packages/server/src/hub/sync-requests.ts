import type { ChangesResponse, RequestId, SyncRequestMessage } from '@livehub/protocol';
import type { ReadScope } from '../authz/authorizer.js';
import { readChanges } from '../collections/changes-reader.js';
import { HubError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import type { LimitsConfig } from './limits.js';
import type { Writer } from './writer.js';

/** `sync_request`s one connection may have waiting for its socket to drain; more are refused. */
export const MAX_WAITING_SYNCS = 4;

/**
 * The `sync_response` frame of a page, cut to at most `maxBytes` of encoded changes (at least one
 * change, so paging always advances); a cut page says `more` and its `seq` is the last change it
 * holds, where the next request resumes. Each change is encoded once: the text that measures the
 * page is the text that is sent.
 */
export function syncResponseFrame(page: ChangesResponse, maxBytes: number, id?: RequestId): string {
  const encoded: string[] = [];
  let bytes = 0;
  let { seq, more } = page;
  for (const change of page.changes) {
    const text = JSON.stringify(change);
    bytes += text.length + 1;
    if (bytes > maxBytes && encoded.length > 0) {
      seq = page.changes[encoded.length - 1]!.seq;
      more = true;
      break;
    }
    encoded.push(text);
  }
  const head = `{"type":"sync_response"${id === undefined ? '' : `,"id":${JSON.stringify(id)}`}`;
  const tail = `"seq":${seq},"epoch":${JSON.stringify(page.epoch)},"more":${more}${page.reset ? ',"reset":true' : ''}}`;
  return `${head},"changes":[${encoded.join(',')}],${tail}`;
}

export interface SyncDeps {
  store: Store;
  visibility: Visibility;
  limits: LimitsConfig;
  /** Page size when the request gives no `limit`. */
  defaultLimit: number;
}

/**
 * One connection's `sync_request`s, answered one at a time, each read from the log only once the
 * connection's backlog is at most `syncInFlightBytes`: a peer that stops reading gets no new page
 * queued, so what it can make the hub hold is one bounded page beyond that bound.
 */
export class SyncRequests {
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly writer: Writer,
    private readonly deps: SyncDeps,
    /** False once the session is closing: a request still waiting is dropped. */
    private readonly isOpen: () => boolean,
    /** Queues the encoded `sync_response`. */
    private readonly reply: (frame: string) => void,
    /** The session's read rules as they are now (a token refresh may change them). */
    private readonly scope: () => ReadScope,
  ) {}

  async handle(msg: SyncRequestMessage): Promise<void> {
    const { store, visibility, limits, defaultLimit } = this.deps;
    if (this.waiting >= MAX_WAITING_SYNCS) {
      throw new HubError('too_many_requests', `At most ${MAX_WAITING_SYNCS} sync_request may wait for this connection to drain`);
    }
    this.waiting++;
    const turn = this.chain.then(async () => {
      await this.writer.drained(limits.syncInFlightBytes);
      if (!this.isOpen()) return;
      const limit = Math.min(msg.limit ?? defaultLimit, limits.syncPageChanges);
      const page = await readChanges(store, visibility, { since: msg.since, epoch: msg.epoch, limit }, this.scope());
      this.reply(syncResponseFrame(page, limits.syncPageBytes, msg.id));
    });
    this.chain = turn.catch(() => undefined);
    try {
      await turn;
    } finally {
      this.waiting--;
    }
  }
}
