import Database from 'better-sqlite3';
import { DatabaseInUseError } from '../database-in-use-error.js';

/** The sidecar file the lock lives on, next to the database (like its -wal and -shm). */
export const openLockFile = (file: string): string => `${file}-lock`;

/**
 * Marks a database as open, for as long as this store has it open: a SHARED SQLite lock on a
 * sidecar file, held by a read transaction that never ends (the sidecar holds no data, so nothing
 * waits on it). `alone` upgrades to EXCLUSIVE, which SQLite grants only when no other connection,
 * in this process or another, holds the lock: that is how `epoch --rotate` refuses while a hub
 * serves the database.
 *
 * Why a lock and not a pid file (PostgreSQL's postmaster.pid): the kernel drops a process's locks
 * when it dies, however it dies (kill -9, OOM, power loss), so no stale marker can outlive a hub
 * and nothing needs cleaning up; there is no pid that another process may have reused, or that
 * means nothing in another container's pid namespace; and shared locks let several processes
 * (hubs, `livehub epoch`) have one database open at once, where a pid file holds one owner.
 * Why not the database file itself: its locks belong to SQLite's WAL protocol, and a read
 * transaction held there would stop checkpoints. Like SQLite, it relies on working POSIX locks
 * (a local disk, not NFS).
 */
export class OpenLock {
  private readonly db: Database.Database;

  constructor(private readonly file: string) {
    // A waiting hub outlasts a rotation in progress (milliseconds), not a running hub.
    this.db = new Database(openLockFile(file), { timeout: 5000 });
    this.hold();
  }

  private hold(): void {
    this.db.exec('BEGIN');
    this.db.prepare('SELECT count(*) FROM sqlite_master').get();
  }

  /** Runs `fn` while no other connection has the database open; DatabaseInUseError if one has. */
  alone<T>(fn: () => T): T {
    this.db.exec('COMMIT');
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      this.hold();
      throw new DatabaseInUseError(this.file);
    } finally {
      this.db.pragma('busy_timeout = 5000');
    }
    try {
      return fn();
    } finally {
      this.db.exec('COMMIT');
      this.hold();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
