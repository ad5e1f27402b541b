import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseInUseError, SqliteStore } from '../src/index.js';
import type { Mutation } from '../src/index.js';
import { tempDir } from './helpers/hub-fixture.js';

const create = (id: string): Mutation => ({ op: 'create', collection: 't', id, data: {}, prepare: (d) => d, keepPrevious: false });

describe('SQLite schema migrations', () => {
  it('upgrades a version-1 database (compacted) to reads by commit time and a secret', async () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'old.db');
      const store = new SqliteStore({ file, durability: 'normal' });
      const changes = [];
      for (const id of ['a', 'b', 'c']) changes.push(await store.mutate(create(id)));
      await store.compact({ maxChanges: 1, maxAgeMs: 1e12 }, 3);
      await store.close();
      // Back to the exact version-1 schema: what a database written by the previous release holds.
      const raw = new Database(file);
      raw.exec('DROP INDEX changes_by_ts; ALTER TABLE log_state DROP COLUMN floor_ts; ALTER TABLE log_state DROP COLUMN secret; PRAGMA user_version = 1;');
      raw.close();

      const upgraded = new SqliteStore({ file, durability: 'normal' });
      try {
        const check = new Database(file, { readonly: true });
        expect(check.pragma('user_version', { simple: true })).toBe(3);
        const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'changes'").all() as Array<{ name: string }>;
        expect(indexes.map((i) => i.name)).toContain('changes_by_ts');
        check.close();
        // The dropped changes' stamps are unknown: the oldest kept one stands in for them.
        expect(await upgraded.positionAt(new Date(changes[1]!.ts))).toBeUndefined();
        expect(await upgraded.positionAt(new Date(Date.parse(changes[2]!.ts) + 1))).toBe(3);
        // Version 3: the database's secret, made by the upgrade.
        expect(await upgraded.secret()).toMatch(/^[0-9a-f]{64}$/);
      } finally {
        await upgraded.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});

describe('SQLite open lock', () => {
  it('refuses to rotate the epoch while another store has the file open, in this process too', async () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'shared.db');
      const a = new SqliteStore({ file, durability: 'normal' });
      const b = new SqliteStore({ file, durability: 'normal' });
      await a.mutate(create('x'));
      const epoch = a.epoch;
      await expect(a.rotateEpoch()).rejects.toBeInstanceOf(DatabaseInUseError);
      await expect(b.rotateEpoch()).rejects.toThrow(/in use by another process/);
      // Both still work after a refusal, and nothing was rotated.
      await b.mutate(create('y'));
      expect(await a.bounds()).toEqual({ floor: 0, head: 2 });
      expect(a.epoch).toBe(epoch);
      await b.close();
      const rotated = await a.rotateEpoch();
      expect(rotated).not.toBe(epoch);
      expect(await a.bounds()).toEqual({ floor: 2, head: 2 });
      // A store opened after the rotation sees the new epoch, and blocks the next one again.
      const c = new SqliteStore({ file, durability: 'normal' });
      expect(c.epoch).toBe(rotated);
      await expect(a.rotateEpoch()).rejects.toBeInstanceOf(DatabaseInUseError);
      await c.close();
      await a.close();
    } finally {
      tmp.cleanup();
    }
  });
});
