import type { JsonObject } from '../../config/collection-config.js';
import { changedFields } from '../changed-fields.js';
import { nextRecord } from '../next-record.js';
import type { Change, Mutation, StoredRecord } from '../store.js';
import { assertJsonbStorable } from './jsonb-text.js';
import { packText } from './rows.js';

/** A record as a batch sees it: the row (absent once deleted) and its data as JSON text, encoded once. */
interface Slot {
  record: StoredRecord | undefined;
  text?: string;
}

/** A change, plus the JSON text of its `changes` row (what the batch write sends). */
export interface StagedChange {
  change: Change;
  row: string;
}

const key = (collection: string, id: string) => `${collection}\u0000${id}`;

/**
 * The records of one group commit, as its mutations leave them. Runs inside the write transaction,
 * after the write lock and the read of the current rows: each mutation sees the ones before it,
 * and a refused one (conflict, schema, guard, data jsonb cannot hold) throws having changed
 * nothing here, so it takes no seq and leaves no trace. What the batch writes comes out of
 * `upserts`/`deletes` once all have run: a record touched twice is written once, as it ends.
 */
export class BatchState {
  private readonly slots = new Map<string, Slot>();
  private readonly touched = new Set<string>();

  constructor(
    current: StoredRecord[],
    private head: number,
  ) {
    for (const r of current) this.slots.set(key(r.collection, r.id), { record: r });
  }

  get lastSeq(): number {
    return this.head;
  }

  /** One mutation: the next seq if it is accepted; throws (HubError or what prepare/guard throw) if refused. */
  apply(m: Mutation): StagedChange {
    const k = key(m.collection, m.id);
    const slot = this.slots.get(k);
    const current = slot?.record;
    const now = new Date().toISOString();
    const { next, action } = nextRecord(m, current, now);
    // Encoded once, and checked: data jsonb cannot hold is refused before the mutation takes a seq.
    const nextText = action === 'deleted' ? undefined : this.encode(next.data);

    // Accepted: from here nothing throws, so a refusal above never took a seq.
    const version = action === 'created' ? 1 : current!.version + 1;
    const seq = ++this.head;
    const recordText = action === 'deleted' ? (slot!.text ?? JSON.stringify(current!.data)) : nextText!;
    const changed = action === 'deleted' ? [] : changedFields(current?.data, next.data);
    const previous = m.keepPrevious && current ? current : undefined;
    const change: Change = { seq, ts: now, collection: m.collection, id: m.id, action, version, record: next, changed };
    if (previous) change.previous = previous;
    const prevText = previous ? packText(previous, slot!.text ?? JSON.stringify(previous.data)) : undefined;
    const row =
      `{"s":${seq},"t":"${now}","c":${JSON.stringify(m.collection)},"i":${JSON.stringify(m.id)},"a":"${action}","v":${version},` +
      `"r":${packText(next, recordText)},${prevText ? `"p":${prevText},` : ''}"ch":${JSON.stringify(changed)}}`;
    this.slots.set(k, action === 'deleted' ? { record: undefined } : { record: next, text: nextText! });
    this.touched.add(k);
    return { change, row };
  }

  /** The JSON array (text) of the touched records that exist at the end of the batch, for `writeBatch` $1. */
  upserts(): string {
    const rows: string[] = [];
    for (const k of this.touched) {
      const s = this.slots.get(k)!;
      if (!s.record) continue;
      const r = s.record;
      rows.push(
        `{"c":${JSON.stringify(r.collection)},"i":${JSON.stringify(r.id)},"v":${r.version},"ca":${JSON.stringify(r.createdAt)},"ua":${JSON.stringify(r.updatedAt)},"d":${s.text!}}`,
      );
    }
    return `[${rows.join(',')}]`;
  }

  /** The JSON array (text) of the touched records that are gone at the end of the batch, for `writeBatch` $2. */
  deletes(): string {
    const rows: string[] = [];
    for (const k of this.touched) {
      const s = this.slots.get(k)!;
      if (s.record) continue;
      const [c, i] = k.split('\u0000') as [string, string];
      rows.push(`{"c":${JSON.stringify(c)},"i":${JSON.stringify(i)}}`);
    }
    return `[${rows.join(',')}]`;
  }

  private encode(data: JsonObject): string {
    const text = JSON.stringify(data);
    assertJsonbStorable(text);
    return text;
  }
}
