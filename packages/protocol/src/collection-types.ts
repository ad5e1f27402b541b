/**
 * End-to-end record types: one module declares the collections, the hub's config takes it as its
 * `collections`, and the client and the React hooks take its type, so a record's type is written
 * once, as its schema. Types only at run time: `defineCollections` returns its argument.
 */
import type { PayloadMode } from './records.js';

/**
 * What the type system reads of a schema: Standard Schema's `~standard.types`, which zod has from
 * 3.24 on. (The hub validates with zod's `safeParse`, or with a JSON Schema object, which types nothing.)
 */
export interface TypedSchema<Output = unknown> {
  readonly '~standard': { readonly types?: { readonly output: Output } | undefined };
}

/** One collection as the hub's `collections` option declares it (see `@livehub/server`'s `CollectionConfig`). */
export interface CollectionDeclaration {
  /** A zod schema (its output type becomes the record type) or a JSON Schema object (records stay `Record<string, unknown>`). */
  schema?: object;
  payload?: PayloadMode;
  /** Fields the hub stores but never sends: left out of the client's record type. */
  private?: string[];
}

/** Collection name → declaration, as `defineCollections` returns it. */
export type CollectionDeclarations = Record<string, CollectionDeclaration>;

type SchemaOutput<S> = S extends TypedSchema<infer O> ? (O extends object ? O : Record<string, unknown>) : Record<string, unknown>;
type PrivateOf<D> = D extends { private: readonly (infer F)[] } ? F : never;

/**
 * The fields a client sees of a collection's records: the schema's output without the private
 * fields (the hub never sends them). Server-owned fields (`id`, `version`, timestamps) are added
 * by `LiveRecord`.
 */
export type RecordOf<C, K extends keyof C> = C[K] extends { schema: infer S } ? Omit<SchemaOutput<S>, PrivateOf<C[K]> & string> : Record<string, unknown>;

/** The declared collection names of `C`. */
export type CollectionName<C> = keyof C & string;

/**
 * Declares collections once, for the hub and its clients:
 *
 * ```ts
 * // collections.ts, imported by the hub's config and (as a type) by the app
 * export const collections = defineCollections({ agent: { schema: z.object({ name: z.string() }) } });
 * // livehub.config.ts: defineConfig({ collections })
 * // app: createClient<typeof collections>(), createLivehubHooks<typeof collections>()
 * ```
 */
export function defineCollections<const C extends CollectionDeclarations>(collections: C): C {
  return collections;
}
