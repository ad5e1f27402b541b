import { ALL_CHANNEL, recordEventName, type LiveRecord, type RecordChangeData, type RecordEventMessage } from '@livehub/protocol';
import type { CollectionRegistry, CollectionSpec, JsonObject } from './config/collection-config.js';
import type { ChangeView } from './authz/change-view.js';
import type { Change, StoredRecord } from './store/store.js';

/**
 * The one place that turns stored data into what a client may see. Every output path (REST,
 * WS events, snapshots, replay, sync, SSE, long-poll) goes through here, so private fields are
 * dropped once; which records a reader may see at all is the Authorizer's (authz/).
 */
export class Visibility {
  constructor(private readonly collections: CollectionRegistry) {}

  record(r: StoredRecord, spec: CollectionSpec = this.collections.get(r.collection)): LiveRecord {
    const data: JsonObject = {};
    for (const [k, v] of Object.entries(r.data)) if (!spec.privateFields.has(k)) data[k] = v;
    return { id: r.id, ...data, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt };
  }

  /** A change's event data; `as` recasts it for a reader it moved into (`created`) or out of (`deleted`) the view of. */
  changeData(c: Change, as?: 'created' | 'deleted'): RecordChangeData {
    const spec = this.collections.get(c.collection);
    const data: RecordChangeData = { id: c.id, collection: c.collection, action: as ?? c.action, version: c.version };
    if (spec.payload === 'ids') return data;
    if (as === 'deleted') {
      // What the reader last could see, not what it can no longer read.
      data.record = this.record(c.previous ?? c.record, spec);
      return data;
    }
    data.record = this.record(c.record, spec);
    if (spec.payload === 'diff' && as === undefined) {
      if (c.previous) data.previous = this.record(c.previous, spec);
      data.changed = c.changed.filter((f) => !spec.privateFields.has(f));
    }
    return data;
  }

  /** The event message of a change on one of its channels (on `*`, `via` names the collection). */
  changeEvent(c: Change, channel: string, as?: 'created' | 'deleted'): RecordEventMessage {
    const m: RecordEventMessage = {
      type: 'event',
      channel,
      event: recordEventName(c.collection, as ?? c.action),
      seq: c.seq,
      timestamp: c.ts,
      data: this.changeData(c, as),
    };
    if (channel === ALL_CHANNEL) m.via = c.collection;
    return m;
  }

  /** The event of a change as one reader sees it (change-view.ts), or undefined when it is hidden from them. */
  changeEventFor(c: Change, channel: string, view: ChangeView): RecordEventMessage | undefined {
    if (view === 'hidden') return undefined;
    return this.changeEvent(c, channel, view === 'as-is' ? undefined : view);
  }
}
