import { RECORD_ID_RE } from '@livehub/protocol';
import type { CollectionRegistry, JsonObject } from '../config/collection-config.js';
import { encodeJson } from '../encodable.js';
import { HubError } from '../errors.js';
import { newRecordId } from '../ids.js';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Principal } from '../auth.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { Change, ListPage, ListQuery, Mutation, Store, StoredRecord } from '../store/store.js';
import { CursorSeal } from './cursor-seal.js';
import { listReadable } from './readable-list.js';

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
 * The write path: validate, authorize, commit record + change in one transaction, then announce
 * the change on the bus; and the rule-aware reads of records. HTTP routes pass the requesting
 * principal (`actor`); server code (`hub.collections`) passes none and is trusted.
 */
export class CollectionService {
  /** Seals list cursors that would name a row the reader may not see. */
  private readonly cursors: CursorSeal;

  constructor(
    private readonly store: Store,
    private readonly registry: CollectionRegistry,
    private readonly bus: Bus,
    private readonly log: Logger,
    /** `maxJsonDepth`: records and patches nested deeper are refused with `too_deep`. */
    private readonly maxJsonDepth: number,
    private readonly authz: Authorizer,
  ) {
    this.cursors = new CursorSeal(() => store.secret());
  }

  /** A record the actor may not read is `not_found`, as if it did not exist. */
  async get(collection: string, id: string, actor?: Principal): Promise<StoredRecord> {
    this.registry.get(collection);
    checkId(id);
    const access = actor ? await this.authz.read(actor, collection, id) : true;
    const r = await this.store.get(collection, id);
    if (!r || (access !== true && !access.test(r))) throw new HubError('not_found', `No record '${id}' in '${collection}'`);
    return r;
  }

  async list(collection: string, query: ListQuery, actor?: Principal): Promise<ListPage> {
    const spec = this.registry.get(collection);
    // Filtering or ordering by a private field would leak it (as a yes/no oracle, or in the cursor).
    for (const field of [...Object.keys(query.filters), query.order.field]) {
      if (spec.privateFields.has(field.split('.')[0]!)) throw new HubError('invalid_query', `Cannot filter or order by private field '${field}'`);
    }
    const access = actor ? await this.authz.read(actor, collection) : true;
    if (access === true) return this.store.list(collection, query);
    return listReadable(this.store, collection, query, access, this.cursors);
  }

  async create(collection: string, data: unknown, actor?: Principal): Promise<Change> {
    const spec = this.registry.get(collection);
    checkObject(data, 'Record', this.maxJsonDepth);
    const id = data.id === undefined ? newRecordId() : bodyId(data.id);
    checkId(id);
    const checks = actor ? await this.authz.writeChecks(actor, 'create', collection, id) : undefined;
    const owned = actor ? this.authz.withSetFields(actor, collection, data) : data;
    return this.commit({ op: 'create', collection, id, data: owned, prepare: spec.validate, keepPrevious: this.keepPrevious(collection) }, checks);
  }

  /**
   * Replaces the record's data. Private fields the body does not carry are kept: no client ever
   * sees them, so a read-modify-PUT (the dashboard's editor) would otherwise erase them. A body
   * that carries a private field sets it; PATCH with `null` removes one. Server-set fields
   * (`authorization.collections.<c>.set`) are kept the same way.
   */
  async replace(collection: string, id: string, data: unknown, ifVersion?: number, actor?: Principal): Promise<Change> {
    const spec = this.registry.get(collection);
    checkId(id);
    checkObject(data, 'Record', this.maxJsonDepth);
    const checks = actor ? await this.authz.writeChecks(actor, 'update', collection, id) : undefined;
    const keepFields = [...spec.privateFields, ...this.authz.setFieldsOf(collection)];
    return this.commit(
      { op: 'replace', collection, id, data, ifVersion, prepare: spec.validate, keepPrevious: this.keepPrevious(collection), keepFields },
      checks,
    );
  }

  async patch(collection: string, id: string, patch: unknown, ifVersion?: number, actor?: Principal): Promise<Change> {
    const spec = this.registry.get(collection);
    checkId(id);
    checkObject(patch, 'Patch', this.maxJsonDepth);
    const checks = actor ? await this.authz.writeChecks(actor, 'update', collection, id) : undefined;
    return this.commit({ op: 'patch', collection, id, patch, ifVersion, prepare: spec.validate, keepPrevious: this.keepPrevious(collection) }, checks);
  }

  async remove(collection: string, id: string, ifVersion?: number, actor?: Principal): Promise<Change> {
    this.registry.get(collection);
    checkId(id);
    const checks = actor ? await this.authz.writeChecks(actor, 'delete', collection, id) : undefined;
    return this.commit({ op: 'delete', collection, id, ifVersion, keepPrevious: this.keepPrevious(collection) }, checks);
  }

  /** Diff payloads carry `previous`; so must a collection whose read rule reads the record, to tell a move out of a reader's view. */
  private keepPrevious(collection: string): boolean {
    return this.registry.get(collection).payload === 'diff' || this.authz.needsPrevious(collection);
  }

  private async commit(m: Mutation, checks: { visible: Mutation['visible']; guard: Mutation['guard'] } | undefined): Promise<Change> {
    const change = await this.store.mutate(checks ? { ...m, visible: checks.visible, guard: checks.guard } : m);
    // The change is durable now; a bus failure must not turn an acknowledged write into an error.
    // Hubs also poll the log head, so a lost announcement only delays delivery.
    this.bus.publish({ kind: 'change', change }).catch((err: unknown) => this.log.warn({ err, seq: change.seq }, 'bus publish failed'));
    return change;
  }
}
