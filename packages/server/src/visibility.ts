import { ALL_CHANNEL, recordEventName, type LiveRecord, type RecordChangeData, type RecordEventMessage } from '@livehub/protocol';
import type { CollectionRegistry, CollectionSpec, JsonObject } from './config/collection-config.js';
import type { Change, StoredRecord } from './store/store.js';

/**
 * The one place that turns stored data into what a client may see. Every output path (REST,
 * WS events, snapshots, replay, sync, SSE, long-poll) goes through here, so private fields and,
 * later, per-principal rules are enforced once.
 */
export class Visibility {
  constructor(private readonly collections: CollectionRegistry) {}

  record(r: StoredRecord, spec: CollectionSpec = this.collections.get(r.collection)): LiveRecord {
    const data: JsonObject = {};
    for (const [k, v] of Object.entries(r.data)) if (!spec.privateFields.has(k)) data[k] = v;
    return { id: r.id, ...data, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt };
  }

  changeData(c: Change): RecordChangeData {
    const spec = this.collections.get(c.collection);
    const data: RecordChangeData = { id: c.id, collection: c.collection, action: c.action, version: c.version };
    if (spec.payload === 'ids') return data;
    data.record = this.record(c.record, spec);
    if (spec.payload === 'diff') {
      if (c.previous) data.previous = this.record(c.previous, spec);
      data.changed = c.changed.filter((f) => !spec.privateFields.has(f));
    }
    return data;
  }

  /** The event message of a change on one of its channels (on `*`, `via` names the collection). */
  changeEvent(c: Change, channel: string): RecordEventMessage {
    const m: RecordEventMessage = {
      type: 'event',
      channel,
      event: recordEventName(c.collection, c.action),
      seq: c.seq,
      timestamp: c.ts,
      data: this.changeData(c),
    };
    if (channel === ALL_CHANNEL) m.via = c.collection;
    return m;
  }
}
