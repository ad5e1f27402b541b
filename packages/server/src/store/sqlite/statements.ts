import type Database from 'better-sqlite3';
import type { ChangeRow, LogState, RecordRow } from './rows.js';

type Statement<P extends unknown[] | object, R = unknown> = Database.Statement<P, R>;

/** Every fixed statement the store runs, with its parameters and row type (list pages have their own cache). */
export interface Statements {
  state: Statement<[], LogState>;
  nextSeq: Statement<[], { head: number }>;
  setFloor: Statement<{ floor: number }>;
  rotate: Statement<[string, number, string]>;
  firstAtOrAfter: Statement<[string], { seq: number | null }>;
  get: Statement<[string, string], RecordRow>;
  insert: Statement<[string, string, number, string, string, string]>;
  update: Statement<[number, string, string, string, string]>;
  remove: Statement<[string, string]>;
  appendChange: Statement<[number, string, string, string, string, number, string, string | null, string]>;
  snapshotOne: Statement<[string, string], RecordRow>;
  snapshotAll: Statement<[string, number], RecordRow>;
  collections: Statement<[], { name: string; count: number }>;
  ageCutoff: Statement<[number, string], { seq: number | null }>;
  deleteUpTo: Statement<[number]>;
  changesAll: Statement<[number, number, number], ChangeRow>;
  changesColl: Statement<[string, number, number, number], ChangeRow>;
  changesRec: Statement<[string, string, number, number, number], ChangeRow>;
  countAll: Statement<[number, number], { n: number }>;
  countColl: Statement<[string, number, number], { n: number }>;
  countRec: Statement<[string, string, number, number], { n: number }>;
}

/** Prepares them once per connection; each statement's types come from `Statements`. */
export function prepareStatements(db: Database.Database): Statements {
  return {
    state: db.prepare('SELECT epoch, head, floor, floor_ts FROM log_state WHERE id = 1'),
    nextSeq: db.prepare('UPDATE log_state SET head = head + 1 WHERE id = 1 RETURNING head'),
    // floor_ts: the newest stamp among the changes dropped so far; run before they are deleted.
    setFloor: db.prepare(
      "UPDATE log_state SET floor = @floor, floor_ts = max(coalesce(floor_ts, ''), coalesce((SELECT max(ts) FROM changes WHERE seq <= @floor), '')) WHERE id = 1",
    ),
    // Epoch rotation voids the whole history, so the floor's stamp is the rotation's own time.
    rotate: db.prepare('UPDATE log_state SET epoch = ?, floor = ?, floor_ts = ? WHERE id = 1'),
    // min(seq), not the first by ts: a clock stepped back can stamp a later seq earlier, and
    // taking the earliest stamp would then skip changes. The index bounds the scan to the
    // changes at or after the instant (the ones the caller is about to read); without the hint
    // SQLite walks the log by seq from the start.
    firstAtOrAfter: db.prepare('SELECT min(seq) AS seq FROM changes INDEXED BY changes_by_ts WHERE ts >= ?'),
    get: db.prepare('SELECT * FROM records WHERE collection = ? AND id = ?'),
    insert: db.prepare('INSERT INTO records (collection, id, version, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?)'),
    update: db.prepare('UPDATE records SET version = ?, updated_at = ?, data = ? WHERE collection = ? AND id = ?'),
    remove: db.prepare('DELETE FROM records WHERE collection = ? AND id = ?'),
    appendChange: db.prepare(
      'INSERT INTO changes (seq, ts, collection, record_id, action, version, record, previous, changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    snapshotOne: db.prepare('SELECT * FROM records WHERE collection = ? AND id = ?'),
    snapshotAll: db.prepare('SELECT * FROM records WHERE collection = ? ORDER BY id LIMIT ?'),
    collections: db.prepare('SELECT collection AS name, count(*) AS count FROM records GROUP BY collection ORDER BY collection'),
    ageCutoff: db.prepare('SELECT max(seq) AS seq FROM (SELECT seq, ts FROM changes WHERE seq > ? ORDER BY seq LIMIT 100000) WHERE ts < ?'),
    deleteUpTo: db.prepare('DELETE FROM changes WHERE seq <= ?'),
    changesAll: db.prepare('SELECT * FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?'),
    changesColl: db.prepare('SELECT * FROM changes WHERE collection = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?'),
    changesRec: db.prepare('SELECT * FROM changes WHERE collection = ? AND record_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?'),
    countAll: db.prepare('SELECT count(*) AS n FROM changes WHERE seq > ? AND seq <= ?'),
    countColl: db.prepare('SELECT count(*) AS n FROM changes WHERE collection = ? AND seq > ? AND seq <= ?'),
    countRec: db.prepare('SELECT count(*) AS n FROM changes WHERE collection = ? AND record_id = ? AND seq > ? AND seq <= ?'),
  };
}
