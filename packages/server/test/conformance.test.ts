import { join } from 'node:path';
import { runBusConformance, runStoreConformance } from '@livehub/conformance';
import { MemoryBroker, MemoryBus, NatsBus, PostgresStore, RedisBus, SqliteStore } from '../src/index.js';
import { tempDir } from './helpers/hub-fixture.js';
import { NATS_URL, REDIS_URL, testPrefix } from './helpers/bus-servers.js';
import { dropSchema, newSchemaName, PG_URL } from './helpers/pg-schema.js';

runStoreConformance('SQLite file', {
  async create() {
    const tmp = tempDir();
    const file = join(tmp.dir, 'store.db');
    return { file, store: new SqliteStore({ file, durability: 'normal' }), cleanup: async () => tmp.cleanup() };
  },
  reopen: async ({ file }) => new SqliteStore({ file, durability: 'normal' }),
});

// Not durable: the reopen test is a printed skip, everything else must hold in memory too.
runStoreConformance('SQLite in-memory', {
  async create() {
    return { store: new SqliteStore({ file: ':memory:', durability: 'normal' }), cleanup: async () => undefined };
  },
});

// A fresh schema per test; reopen is a new store (new pool, new open lock) on the same schema.
runStoreConformance('PostgreSQL', {
  async create() {
    const schema = newSchemaName();
    return { schema, store: await PostgresStore.open({ url: PG_URL, schema, poolSize: 4 }), cleanup: () => dropSchema(schema) };
  },
  reopen: ({ schema }) => PostgresStore.open({ url: PG_URL, schema, poolSize: 4 }),
});

// Two handles on one broker: two nodes in one process, as two connections to one server would be.
runBusConformance('in-process (two MemoryBus handles on one MemoryBroker)', {
  async create() {
    const broker = new MemoryBroker();
    const a = new MemoryBus(() => undefined, broker);
    const b = new MemoryBus(() => undefined, broker);
    return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
  },
});

// Two connections to the real Redis (two nodes), on a prefix of their own.
runBusConformance('Redis (two RedisBus handles, two connections each)', {
  async create() {
    const keyPrefix = testPrefix();
    const a = new RedisBus({ url: REDIS_URL, keyPrefix, onHandlerError: () => undefined });
    const b = new RedisBus({ url: REDIS_URL, keyPrefix, onHandlerError: () => undefined });
    return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
  },
});

// Core NATS, one connection per handle, on a subject prefix of its own.
runBusConformance('NATS (two NatsBus handles, one connection each)', {
  async create() {
    const keyPrefix = testPrefix();
    const a = new NatsBus({ servers: NATS_URL, keyPrefix, onHandlerError: () => undefined, startWaitMs: 10_000 });
    const b = new NatsBus({ servers: NATS_URL, keyPrefix, onHandlerError: () => undefined, startWaitMs: 10_000 });
    // Both handles connected before the case runs: a change published while not connected is
    // dropped by design (it is durable; nodes read it from the log), which would read as a loss here.
    for (const bus of [a, b]) (await bus.subscribe(() => undefined))();
    return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
  },
});
