import type pg from 'pg';
import { newEpoch } from '../../ids.js';
import type { OpenLock } from './open-lock.js';
import { bind, type Statements } from './statements.js';

/**
 * Gives the log a new epoch and voids its history (floor = head); returns the new epoch. Refuses,
 * with DatabaseInUseError, while any other store on any node has the schema open: it runs under
 * the exclusive open lock. One statement, so readers see the old log or the new one, never half.
 */
export async function rotateLogEpoch(pool: pg.Pool, stmt: Statements, openLock: OpenLock): Promise<string> {
  const epoch = newEpoch();
  await openLock.alone(() => pool.query(bind(stmt.rotate, [epoch, new Date().toISOString()])));
  return epoch;
}
