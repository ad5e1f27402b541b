import type Database from 'better-sqlite3';
import { newEpoch } from '../../ids.js';
import type { OpenLock } from './open-lock.js';
import type { Statements } from './statements.js';

/**
 * Gives the log a new epoch and voids its history (floor = head); returns the new epoch. With an
 * open lock (a file database) it refuses, with DatabaseInUseError, while any other store in any
 * process has the file open.
 */
export function rotateLogEpoch(db: Database.Database, stmt: Statements, openLock: OpenLock | undefined): string {
  const epoch = newEpoch();
  const rotate = () =>
    db
      .transaction(() => {
        const { head } = stmt.state.get()!;
        // Voided history: no instant before the rotation can be answered from this log any more.
        stmt.rotate.run(epoch, head, new Date().toISOString());
        stmt.deleteUpTo.run(head);
      })
      .immediate();
  if (openLock) openLock.alone(rotate);
  else rotate();
  return epoch;
}
