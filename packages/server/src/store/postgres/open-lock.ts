import pg from 'pg';
import { DatabaseInUseError } from '../database-in-use-error.js';
import { LOCK_CLASS } from './advisory-locks.js';

/** How long opening waits for a rotation in progress (milliseconds), not for a running hub. */
const WAIT_MS = 5000;
/** Retry interval after the lock's connection was lost. */
const RECONNECT_MS = 1000;

/**
 * Marks a schema as open, for as long as the store has it open: a session-level *shared*
 * advisory lock, held on a connection of its own (outside the pool, so no query ever runs
 * behind it). `alone` trades it for the *exclusive* lock, which PostgreSQL grants only while no
 * other session, on any node, holds the shared one: that is how `epoch --rotate` refuses while a
 * hub serves the schema. Like SQLite's sidecar lock, the server drops a session's locks when it
 * ends, however the process died, so no stale marker survives a crashed hub.
 *
 * A lost connection (database restart, network cut) loses the lock; it is taken again in the
 * background and `onRegained` runs, so the store can re-read what a rotation in that window changed.
 */
export class OpenLock {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly config: pg.ClientConfig,
    private readonly key: number,
    private readonly what: string,
    private readonly onRegained: () => void,
  ) {}

  /** Connects and takes the shared lock, waiting up to 5 s for a rotation in progress. */
  static async acquire(config: pg.ClientConfig, key: number, what: string, onRegained: () => void): Promise<OpenLock> {
    const lock = new OpenLock(config, key, what, onRegained);
    lock.client = await lock.connect();
    return lock;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ ...this.config, application_name: 'livehub open lock' });
    // Without a listener a dropped connection is an unhandled 'error' that ends the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(`SET lock_timeout = ${WAIT_MS}`);
      await client.query('SELECT pg_advisory_lock_shared($1, $2)', [LOCK_CLASS.open, this.key]);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    client.on('end', () => this.lost(client));
    return client;
  }

  private lost(client: pg.Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.retry = setTimeout(() => void this.regain(), RECONNECT_MS);
    this.retry.unref();
  }

  private async regain(): Promise<void> {
    try {
      const client = await this.connect();
      if (this.closed) return void (await client.end());
      this.client = client;
      this.onRegained();
    } catch {
      if (this.closed) return;
      this.retry = setTimeout(() => void this.regain(), RECONNECT_MS);
      this.retry.unref();
    }
  }

  /** Runs `fn` while no other session has the schema open; DatabaseInUseError if one has. */
  async alone<T>(fn: () => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client) throw new Error(`the open lock of ${this.what} is lost (reconnecting): try again`);
    await client.query('SELECT pg_advisory_unlock_shared($1, $2)', [LOCK_CLASS.open, this.key]);
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS.open, this.key]);
    if (!rows[0]!.ok) {
      await client.query('SELECT pg_advisory_lock_shared($1, $2)', [LOCK_CLASS.open, this.key]);
      throw new DatabaseInUseError(this.what);
    }
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS.open, this.key]);
      await client.query('SELECT pg_advisory_lock_shared($1, $2)', [LOCK_CLASS.open, this.key]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
