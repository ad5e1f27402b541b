import { join } from 'node:path';
import { runBusConformance } from '../../../test/conformance/bus-conformance.js';
import { runStoreConformance } from '../../../test/conformance/store-conformance.js';
import { MemoryBus, SqliteStore } from '../src/index.js';
import { tempDir } from './helpers/hub-fixture.js';

runStoreConformance('SQLite file', {
  async create() {
    const tmp = tempDir();
    const file = join(tmp.dir, 'store.db');
    return {
      store: new SqliteStore({ file, durability: 'normal' }),
      reopen: async () => new SqliteStore({ file, durability: 'normal' }),
      cleanup: async () => tmp.cleanup(),
    };
  },
});

runBusConformance('in-process', {
  async create() {
    const bus = new MemoryBus(() => undefined);
    return { a: bus, b: bus, cleanup: () => bus.close() };
  },
});
