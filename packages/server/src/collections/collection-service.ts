import { RECORD_ID_RE } from '@livehub/protocol';
import type { CollectionRegistry, JsonObject } from '../config/collection-config.js';
import { encodeJson } from '../encodable.js';
import { HubError } from '../errors.js';
import { newRecordId } from '../ids.js';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Change, ListPage, ListQuery, Store, StoredRecord } from '../store/store.js';

function checkId(id: string): void {
  if (!RECORD_ID_RE.test(id)) throw new HubError('invalid_id');
}

/** A body's own `id` as text: a string, or a number, boolean or null as printed; an object or array is never an id. */
function bodyId(id: unknown): string {
  if (typeof id === 'string') return id;
  if (typeof id === 'number' || typeof id === 'boolean' || id === null) return String(id);
  throw new HubError('invalid_id');
}

function checkObject(data: unknown, what: string, maxDepth: number): asserts data is JsonObject {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new HubError('bad_request', `${what} must be a JSON object`);
  }
  // The store encodes what `prepare` returns; refusing the unencodable (or, for SQLite's JSON
  // functions, too deep) here makes it a 400, not a 500 now or on every later list.
  encodeJson(data, what, maxDepth);
}

/**
 * The write path: validate, commit record + change in one transaction, then announce the change
 * on the bus. HTTP routes and server code (`hub.collections`) both write through here.
 */
export class CollectionService {
  constructor(
    private readonly store: Store,
    private readonly registry: CollectionRegistry,
    private readonly bus: Bus,
    private readonly log: Logger,
    /** `maxJsonDepth`: records and patches nested deeper are refused with `too_deep`. */
    private readonly maxJsonDepth: number,
  ) {}

  async get(collection: string, id: string): Promise<StoredRecord> {
    this.registry.get(collection);
    checkId(id);
    const r = await this.store.get(collection, id);
    if (!r) throw new HubError('not_found', `No record '${id}' in '${collection}'`);
    return r;
  }

  async list(collection: string, query: ListQuery): Promise<ListPage> {
    const spec = this.registry.get(collection);
    // Filtering or ordering by a private field would leak it (as a yes/no oracle, or in the cursor).
    for (const field of [...Object.keys(query.filters), query.order.field]) {
      if (spec.privateFields.has(field.split('.')[0]!)) throw new HubError('invalid_query', `Cannot filter or order by private field '${field}'`);
    }
    return this.store.list(collection, query);
  }

  async create(collection: string, data: unknown): Promise<Change> {
    const spec = this.registry.get(collection);
    checkObject(data, 'Record', this.maxJsonDepth);
    const id = data.id === undefined ? newRecordId() : bodyId(data.id);
    checkId(id);
    return this.commit(this.store.mutate({ op: 'create', collection, id, data, prepare: spec.validate, keepPrevious: spec.payload === 'diff' }));
  }

  /**
   * Replaces the record's data. Private fields the body does not carry are kept: no client ever
   * sees them, so a read-modify-PUT (the dashboard's editor) would otherwise erase them. A body
   * that carries a private field sets it; PATCH with `null` removes one.
   */
  async replace(collection: string, id: string, data: unknown, ifVersion?: number): Promise<Change> {
    const spec = this.registry.get(collection);
    checkId(id);
    checkObject(data, 'Record', this.maxJsonDepth);
    const keepFields = [...spec.privateFields];
    return this.commit(
      this.store.mutate({ op: 'replace', collection, id, data, ifVersion, prepare: spec.validate, keepPrevious: spec.payload === 'diff', keepFields }),
    );
  }

  async patch(collection: string, id: string, patch: unknown, ifVersion?: number): Promise<Change> {
    const spec = this.registry.get(collection);
    checkId(id);
    checkObject(patch, 'Patch', this.maxJsonDepth);
    return this.commit(this.store.mutate({ op: 'patch', collection, id, patch, ifVersion, prepare: spec.validate, keepPrevious: spec.payload === 'diff' }));
  }

  async remove(collection: string, id: string, ifVersion?: number): Promise<Change> {
    const spec = this.registry.get(collection);
    checkId(id);
    return this.commit(this.store.mutate({ op: 'delete', collection, id, ifVersion, keepPrevious: spec.payload === 'diff' }));
  }

  private async commit(pending: Promise<Change>): Promise<Change> {
    const change = await pending;
    // The change is durable now; a bus failure must not turn an acknowledged write into an error.
    // Hubs also poll the log head, so a lost announcement only delays delivery.
    this.bus.publish({ kind: 'change', change }).catch((err: unknown) => this.log.warn({ err, seq: change.seq }, 'bus publish failed'));
    return change;
  }
}
