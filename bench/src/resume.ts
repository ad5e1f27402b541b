/**
 * Resume: 100,000 changes in one collection, written through `hub.collections.create` (the same
 * validation, transaction and bus path as the HTTP API, durability 'normal' so seeding is quick),
 * then one client subscribes to the collection channel with `since: 0` and we time until it has all
 * of them. Floors, measured in the server process on the same rows: better-sqlite3 reading them on
 * a second connection (+ JSON.parse), and the hub's own read + encode path without a socket.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Args } from './lib/args.js';
import { intFlag } from './lib/args.js';
import { ServerChild } from './lib/child.js';
import { TMP_DIR, writeResults } from './lib/results.js';
import { fixed, fmt, round, table } from './lib/stats.js';
import { padFor } from './fanout.js';

interface ResumeRun {
  attempt: number;
  subscribedMs: number;
  totalMs: number;
  events: number;
  frames: number;
  bytes: number;
  eventsPerSec: number;
  loadCpuMs: number;
  serverCpuMs: number;
}

/** Connects, subscribes with since 0 and resolves when the event with seq `head` has arrived. */
async function resumeOnce(port: number, collection: string, head: number, timeoutMs: number): Promise<Omit<ResumeRun, 'attempt' | 'serverCpuMs'>> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'livehub.v1', { perMessageDeflate: false });
  try {
    let epoch = '';
    let t0 = 0;
    let subscribedAt = 0;
    let events = 0;
    let frames = 0;
    let bytes = 0;
    let cpu0 = process.cpuUsage();
    const done = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`resume timed out after ${timeoutMs} ms with ${events} events`)), timeoutMs);
      type M = { type: string; seq?: number; epoch?: string; code?: string; message?: string };
      const handle = (m: M): void => {
        if (m.type === 'event') {
          events++;
          if (m.seq === head) {
            clearTimeout(timer);
            resolve(performance.now());
          }
        } else if (m.type === 'welcome') {
          epoch = m.epoch!;
          cpu0 = process.cpuUsage();
          t0 = performance.now();
          ws.send(JSON.stringify({ type: 'subscribe', id: 1, channel: collection, since: 0, epoch }));
        } else if (m.type === 'subscribed') subscribedAt = performance.now();
        else if (m.type === 'error') reject(new Error(`${m.code}: ${m.message}`));
      };
      ws.on('message', (raw: Buffer) => {
        frames++;
        bytes += raw.length;
        const parsed = JSON.parse(raw.toString()) as M | M[];
        if (Array.isArray(parsed)) for (const m of parsed) handle(m);
        else handle(parsed);
      });
      ws.on('error', reject);
    });
    const end = await done;
    const cpu = process.cpuUsage(cpu0);
    const totalMs = end - t0;
    return {
      subscribedMs: round(subscribedAt - t0, 1),
      totalMs: round(totalMs, 1),
      events,
      frames,
      bytes,
      eventsPerSec: round((events / totalMs) * 1000, 0),
      loadCpuMs: round((cpu.user + cpu.system) / 1000, 1),
    };
  } finally {
    ws.terminate();
  }
}

export async function resume(args: Args): Promise<void> {
  const changes = intFlag(args, 'changes', 100_000);
  const payloadBytes = intFlag(args, 'payload', 200);
  const attempts = intFlag(args, 'attempts', 2);
  const pageSize = intFlag(args, 'page-size', 0);
  const timeoutMs = intFlag(args, 'timeout', 60_000);
  const collection = 'resume';
  const params = { changes, payloadBytes, attempts, replayPageSize: pageSize || 'default (1000)', seededWith: 'hub.collections.create, durability normal' };
  console.log(`\n## resume: ${changes} changes, subscribe since 0`);

  mkdirSync(TMP_DIR, { recursive: true });
  const db = join(TMP_DIR, `resume-${process.pid}.db`);
  const server = await ServerChild.start('livehub', { db, durability: 'normal', ...(pageSize ? { replayPageSize: pageSize } : {}) }, 1);
  try {
    const seeded = await server.call<{ ms: number; head: number; epoch: string }>('seed', { collection, count: changes, pad: padFor(payloadBytes) });
    console.log(`  seeded ${changes} changes in ${fmt(seeded.ms)} ms (${fmt((changes / seeded.ms) * 1000)} creates/s, 256 in flight, through hub.collections)`);
    const floors = await server.call<{ rawMs: number; rawRows: number; encodeMs: number; encodeRows: number; encodeBytes: number }>('floors', {
      collection,
      pageSize: pageSize || 1000,
    });
    const runs: ResumeRun[] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const s0 = await server.cpuMs();
      const r = await server.profiled(args.flags.get('profile'), `resume-${attempt}`, () => resumeOnce(server.port, collection, seeded.head, timeoutMs));
      const serverCpuMs = round((await server.cpuMs()) - s0, 1);
      runs.push({ attempt, ...r, serverCpuMs });
      console.log(`  attempt ${attempt}: ${fmt(r.events)} events in ${fmt(r.totalMs)} ms (${fmt(r.eventsPerSec)}/s)`);
    }

    const tables: string[] = [];
    tables.push(
      table(
        `resume: ${changes} changes (~${payloadBytes}-byte records), one client, subscribe { channel: '${collection}', since: 0 } (target ≤ 1000 ms)`,
        ['attempt', 'subscribed ms', 'all events ms', 'events', 'events/s', 'frames', 'MiB', 'server CPU ms', 'load CPU ms', '÷ 1 s target'],
        runs.map((r) => [
          String(r.attempt),
          r.subscribedMs,
          r.totalMs,
          r.events,
          r.eventsPerSec,
          r.frames,
          round(r.bytes / 2 ** 20, 1),
          r.serverCpuMs,
          r.loadCpuMs,
          fixed(r.totalMs / 1000, 2),
        ]),
      ),
    );
    tables.push(
      table(
        'resume floors (server process, same rows)',
        ['path', 'ms', 'rows', 'note'],
        [
          ['better-sqlite3 SELECT + JSON.parse', round(floors.rawMs, 1), floors.rawRows, 'second read-only connection, one query'],
          [
            'store.changesSince pages + encode events',
            round(floors.encodeMs, 1),
            floors.encodeRows,
            `${round(floors.encodeBytes / 2 ** 20, 1)} MiB of JSON, no socket`,
          ],
          [
            'seeding (hub.collections.create, 256 in flight)',
            round(seeded.ms, 0),
            changes,
            `${fmt((changes / seeded.ms) * 1000)} creates/s, durability normal`,
          ],
        ],
      ),
    );
    writeResults('resume', params, { seeded, floors, runs }, tables);
  } finally {
    await server.stop();
    for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
  }
}
