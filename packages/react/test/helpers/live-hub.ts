import { spawnHub, unlimitedRateConfig, type HubProcess } from '../../../server/test/helpers/spawn-hub.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createClient, type ClientOptions, type LivehubClient, type WebSocketConstructor } from '@livehub/client';
import { WebSocket as NodeWebSocket } from 'ws';
import { cleanup as cleanupRendered } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** A real hub process (the CLI) on its own SQLite file, restartable on the same port. */
export interface LiveHub {
  url: string;
  port: number;
  db: string;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** Starts again on the same port, with the same database unless another is given. */
  restart(db?: string): Promise<void>;
  /** A fresh database file in this hub's temp folder. */
  newDbFile(name: string): string;
  cleanup(): Promise<void>;
}

export async function startLiveHub(): Promise<LiveHub> {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-react-'));
  let db = join(dir, 'hub.db');
  // The HTTP rate is lifted: the clients and writers of a test, all from 127.0.0.1, stand for users on many addresses.
  const config = unlimitedRateConfig(dir);
  let proc: HubProcess | undefined = await spawnHub(['--db', db, '--log-level', 'warn', ...config]);
  const url = proc.url;
  const port = Number(/:(\d+)$/.exec(url)![1]);
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    p.proc.kill('SIGTERM');
    await p.exited;
  };
  return {
    url,
    port,
    get db() {
      return db;
    },
    stop,
    async restart(file) {
      await stop();
      if (file) db = file;
      proc = await spawnHub(['--db', db, '--port', String(port), '--log-level', 'warn', ...config]);
    },
    newDbFile: (name) => join(dir, name),
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON over HTTP straight to the hub, as another app or a backend would write (not through the client under test). */
export async function http(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Counts the client's HTTP requests by method and path: "no refetch" means no new GET. */
export class RequestLog {
  readonly requests: { method: string; path: string }[] = [];
  readonly fetch: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    this.requests.push({ method: (init?.method ?? 'GET').toUpperCase(), path: url.pathname + url.search });
    return globalThis.fetch(input, init);
  };
  /** GETs of a collection's list (any filters). */
  lists(collection: string): number {
    return this.requests.filter((r) => r.method === 'GET' && r.path.split('?')[0] === `/api/c/${collection}`).length;
  }
}

/**
 * A client for the tests: fast reconnects, requests counted, and the `ws` package as WebSocket
 * (jsdom's global WebSocket does not work in Node; the browser suite covers the browser's own).
 */
export function testClient(url: string, log: RequestLog, extra: ClientOptions = {}): LivehubClient {
  return createClient({
    url,
    fetch: log.fetch,
    WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
    reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
    ...extra,
  });
}

/**
 * Runs `fn` against another hub process on the same database file and a different port, then
 * stops it: how a test writes "while the hub the client knows is down" through the real HTTP API.
 */
export async function withSideHub(db: string, fn: (url: string) => Promise<void>): Promise<void> {
  const side = await spawnHub(['--db', db, '--log-level', 'warn', ...unlimitedRateConfig(dirname(db))]);
  try {
    await fn(side.url);
  } finally {
    side.proc.kill('SIGTERM');
    await side.exited;
  }
}

/**
 * One real hub process for a test file, and clients closed after each test: the lifecycle every
 * hook test shares. Call at the top level of a test file.
 */
export function liveHubSuite(): { readonly hub: LiveHub; client(log: RequestLog, extra?: ClientOptions): LivehubClient } {
  let hub: LiveHub | undefined;
  const open: LivehubClient[] = [];
  beforeAll(async () => {
    hub = await startLiveHub();
  });
  afterAll(async () => {
    await hub?.cleanup();
  });
  afterEach(() => {
    cleanupRendered();
    while (open.length) open.pop()!.close();
  });
  return {
    get hub() {
      if (!hub) throw new Error('liveHubSuite: the hub starts in beforeAll');
      return hub;
    },
    client(log, extra = {}) {
      const c = testClient(this.hub.url, log, extra);
      open.push(c);
      return c;
    },
  };
}
