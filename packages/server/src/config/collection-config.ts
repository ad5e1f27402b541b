import { Ajv, type ErrorObject } from 'ajv';
import { COLLECTION_RE, isServerField, type FieldIssue, type PayloadMode } from '@livehub/protocol';
import { HubError } from '../errors.js';

/** Anything with zod's `safeParse` (zod 3 or 4, the app's own copy). */
export interface ZodLike {
  safeParse(data: unknown): { success: true; data: unknown } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
}

/** A collection as declared in the config file or `createHub({ collections })`. */
export interface CollectionConfig {
  /** zod schema, or a JSON Schema object, for the app's fields (not id/version/timestamps). */
  schema?: ZodLike | Record<string, unknown>;
  /** What change events carry: `ids`, `full` (default) or `diff`. */
  payload?: PayloadMode;
  /** Top-level fields stored but never sent to any client (REST, events, snapshots, replay). */
  private?: string[];
}

export type JsonObject = Record<string, unknown>;

/** A collection's resolved rules, used by the write path and by every output path. */
export interface CollectionSpec {
  name: string;
  declared: boolean;
  payload: PayloadMode;
  privateFields: ReadonlySet<string>;
  /** Returns the data to store, or throws HubError('validation_failed') with field issues. A function, not a method: the write path passes it on as it is. */
  validate: (data: JsonObject) => JsonObject;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

function isZodLike(schema: unknown): schema is ZodLike {
  return typeof schema === 'object' && schema !== null && typeof (schema as ZodLike).safeParse === 'function';
}

function ajvIssue(e: ErrorObject): FieldIssue {
  const base = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty ?? '') : '';
  const path = [base, missing].filter(Boolean).join('.');
  return { path, message: e.message ?? e.keyword };
}

function makeValidator(name: string, schema: CollectionConfig['schema']): (data: JsonObject) => JsonObject {
  if (schema === undefined) return (data) => data;
  if (isZodLike(schema)) {
    return (data) => {
      const r = schema.safeParse(data);
      if (r.success) {
        if (typeof r.data !== 'object' || r.data === null || Array.isArray(r.data)) {
          throw new HubError('validation_failed', `Schema of '${name}' must produce an object`);
        }
        return r.data as JsonObject;
      }
      const details = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
      throw new HubError('validation_failed', `Record does not match the schema of '${name}'`, details);
    };
  }
  const check = ajv.compile(schema);
  return (data) => {
    // ajv's useDefaults writes into the object: validate a copy so a failed write changes nothing.
    const copy = structuredClone(data);
    if (check(copy)) return copy;
    const details = (check.errors ?? []).map(ajvIssue);
    throw new HubError('validation_failed', `Record does not match the schema of '${name}'`, details);
  };
}

export function buildCollectionSpec(name: string, config: CollectionConfig | undefined): CollectionSpec {
  if (!COLLECTION_RE.test(name)) throw new TypeError(`Invalid collection name '${name}': must match ${COLLECTION_RE}`);
  const payload = config?.payload ?? 'full';
  if (!['ids', 'full', 'diff'].includes(payload)) throw new TypeError(`Collection '${name}': payload must be ids, full or diff`);
  const privateFields = new Set(config?.private ?? []);
  for (const f of privateFields) {
    if (isServerField(f)) throw new TypeError(`Collection '${name}': '${f}' is server-owned and cannot be private`);
  }
  return { name, declared: config !== undefined, payload, privateFields, validate: makeValidator(name, config?.schema) };
}

/** Resolves collection names to specs: declared ones from config, others schemaless unless strict. */
const MAX_SCHEMALESS_CACHED = 1024;

export class CollectionRegistry {
  private readonly specs = new Map<string, CollectionSpec>();
  private readonly schemaless = new Map<string, CollectionSpec>();

  constructor(
    declared: Record<string, CollectionConfig>,
    private readonly strict: boolean,
  ) {
    for (const [name, config] of Object.entries(declared)) this.specs.set(name, buildCollectionSpec(name, config));
  }

  /** The spec for a collection, or a HubError (invalid name, or undeclared in strict mode). */
  get(name: string): CollectionSpec {
    const known = this.specs.get(name);
    if (known) return known;
    if (!COLLECTION_RE.test(name)) throw new HubError('invalid_collection');
    if (this.strict) throw new HubError('not_found', `Collection '${name}' is not declared`);
    // Cached because every event and replayed change asks; bounded because any client can name
    // any collection. Map order is insertion order, so the first key is the oldest.
    let spec = this.schemaless.get(name);
    if (!spec) {
      spec = buildCollectionSpec(name, undefined);
      if (this.schemaless.size >= MAX_SCHEMALESS_CACHED) this.schemaless.delete(this.schemaless.keys().next().value!);
      this.schemaless.set(name, spec);
    }
    return spec;
  }

  declared(): CollectionSpec[] {
    return [...this.specs.values()].filter((s) => s.declared);
  }
}
