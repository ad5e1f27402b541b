import { expect } from 'vitest';
import { api } from './hub-fixture.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

/** One write the hub answered with a 2xx: it promised this (id, version) is in the log at `seq`. */
export interface Ack {
  id: string;
  version: number;
  seq: number;
}

export interface WriteLoad {
  /** Every acknowledged write so far, in completion order. */
  readonly acks: Ack[];
  /** Writes refused with 503 or a connection error: allowed while the hub goes away. */
  readonly refused: string[];
  /** Any other answer (4xx, 500, a 2xx without its headers): always a failure. */
  readonly unexpected: string[];
  /** Resolves when every loop has stopped. */
  readonly done: Promise<void>;
  /** Asks the loops to stop after their current request. */
  stop(): void;
}

/**
 * Concurrent create-then-patch loops against `POST/PATCH /api/c/:collection`. Each loop stops at
 * its first refusal (the hub is going away), after `maxWritesPerLoop`, after `maxMs`, or on `stop()`,
 * so the load always ends by itself.
 */
export function startWriteLoad(
  base: string,
  opts: { collection?: string; loops?: number; patchesPerRecord?: number; maxWritesPerLoop?: number; maxMs?: number } = {},
): WriteLoad {
  const collection = opts.collection ?? 'item';
  const patches = opts.patchesPerRecord ?? 2;
  const maxWrites = opts.maxWritesPerLoop ?? 2000;
  const deadline = Date.now() + (opts.maxMs ?? 5000);
  const acks: Ack[] = [];
  const refused: string[] = [];
  const unexpected: string[] = [];
  let stopped = false;

  /** One write; returns the ack, or undefined when the loop must end. */
  const write = async (method: string, path: string, body: unknown): Promise<Ack | undefined> => {
    let res: Awaited<ReturnType<typeof api>>;
    try {
      res = await api(base, method, path, body);
    } catch (err) {
      refused.push(`${method} ${path}: ${(err as Error).cause ? String((err as Error).cause) : String(err)}`);
      return undefined;
    }
    if (res.status === 503) {
      refused.push(`${method} ${path}: 503`);
      return undefined;
    }
    const seq = Number(res.headers.get('x-livehub-seq'));
    if (res.status < 200 || res.status > 299 || !Number.isInteger(seq) || seq < 1 || typeof res.body?.id !== 'string') {
      unexpected.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return undefined;
    }
    const ack: Ack = { id: res.body.id as string, version: res.body.version as number, seq };
    acks.push(ack);
    return ack;
  };

  const loop = async (n: number): Promise<void> => {
    let writes = 0;
    const more = () => !stopped && writes < maxWrites && Date.now() < deadline;
    while (more()) {
      writes++;
      const created = await write('POST', `/api/c/${collection}`, { loop: n, step: 0 });
      if (!created) return;
      for (let p = 1; p <= patches && more(); p++) {
        writes++;
        if (!(await write('PATCH', `/api/c/${collection}/${created.id}`, { step: p }))) return;
      }
    }
  };

  const done = Promise.all(Array.from({ length: opts.loops ?? 4 }, (_, n) => loop(n))).then(() => undefined);
  return {
    acks,
    refused,
    unexpected,
    done,
    stop: () => {
      stopped = true;
    },
  };
}

/** Resolves once `pred` holds (polling), or rejects after `timeoutMs`. */
export function waitUntil(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return waitFor(pred, what, timeoutMs);
}

export interface LogEntry {
  seq: number;
  id: string;
  version: number;
  action: string;
}

/** The whole change log, paged through `GET /api/changes` until `more` is false. */
export async function readWholeLog(base: string, pageSize = 1000): Promise<{ entries: LogEntry[]; head: number; epoch: string }> {
  const entries: LogEntry[] = [];
  let since = 0;
  for (let pages = 0; ; pages++) {
    if (pages > 10_000) throw new Error('change log paging does not end');
    const res = await api(base, 'GET', `/api/changes?since=${since}&limit=${pageSize}`);
    if (res.status !== 200) throw new Error(`GET /api/changes: ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as {
      changes: Array<{ seq: number; data: { id: string; version: number; action: string } }>;
      seq: number;
      epoch: string;
      more: boolean;
      reset?: true;
    };
    if (body.reset) throw new Error(`GET /api/changes?since=${since} answered reset`);
    for (const c of body.changes) entries.push({ seq: c.seq, id: c.data.id, version: c.data.version, action: c.data.action });
    if (!body.more) return { entries, head: body.seq, epoch: body.epoch };
    // A page that claims more must move forward, or this loop would spin.
    if (body.seq <= since) throw new Error(`GET /api/changes?since=${since} did not advance`);
    since = body.seq;
  }
}

/** Highest stored version of every record of a collection, paged through the list API. */
export async function readVersions(base: string, collection: string): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const res = await api(base, 'GET', `/api/c/${collection}?order=id&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET /api/c/${collection}: ${res.status} ${JSON.stringify(res.body)}`);
    for (const r of res.body.items as Array<{ id: string; version: number }>) versions.set(r.id, r.version);
    cursor = res.body.nextCursor as string | undefined;
  } while (cursor);
  return versions;
}

/**
 * What a restarted hub must show after any stop: the same epoch, a change log with no gap from 1
 * to the head, each acknowledged write's change at the seq it was acknowledged with, and each
 * acknowledged record at least at the acknowledged version.
 */
export async function expectAcksSurvived(base: string, acks: readonly Ack[], opts: { epoch: string; collection?: string }): Promise<void> {
  const log = await readWholeLog(base);
  expect(log.epoch).toBe(opts.epoch);
  const health = await api(base, 'GET', '/healthz');
  expect(health.body).toMatchObject({ epoch: opts.epoch, seq: log.head });
  const gaps = log.entries.filter((e, i) => e.seq !== i + 1).slice(0, 5);
  expect(gaps, 'change log seqs must run 1..head').toEqual([]);
  expect(log.entries.length).toBe(log.head);

  const bySeq = new Map(log.entries.map((e) => [e.seq, e]));
  const lost = acks.filter((a) => {
    const e = bySeq.get(a.seq);
    return !e || e.id !== a.id || e.version !== a.version;
  });
  expect(lost.slice(0, 5), `${lost.length} acknowledged writes missing from the log`).toEqual([]);

  const versions = await readVersions(base, opts.collection ?? 'item');
  const behind = acks.filter((a) => (versions.get(a.id) ?? 0) < a.version);
  expect(behind.slice(0, 5), `${behind.length} acknowledged writes missing from the records`).toEqual([]);
}
