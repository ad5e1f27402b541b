/**
 * Advisory lock classes (the first of the two int4 keys), one per purpose, so livehub's locks never
 * meet each other or another application's. The second key names the schema: its OID for the
 * open and compaction locks, `hashtext(schema)` for migrations (which may have to create it).
 */
export const LOCK_CLASS = {
  /** Transaction lock around migrations: nodes starting together migrate one after another. */
  migrate: 0x6c680001,
  /** Session lock: shared while a store has the schema open, exclusive for an epoch rotation. */
  open: 0x6c680002,
  /** Transaction lock: one node compacts at a time. */
  compact: 0x6c680003,
} as const;
