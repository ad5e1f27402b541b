import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ClientOptions, type LivehubClient, type WebSocketConstructor } from '@livehub/client';
import { WebSocket as NodeWebSocket } from 'ws';

/** The built CLI (`npm test` builds first). A path, not a URL: under jsdom the global URL is jsdom's. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../../server/dist/cli.js');

interface HubProcess {
  proc: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

/** `livehub serve` as a real process; resolves once it prints its URL. */
export async function spawnHub(args: string[]): Promise<HubProcess> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /livehub \S+ on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`hub exited before listening:\n${out}`));
    });
  });
  return { proc, url, exited };
}

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
  let proc: HubProcess | undefined = await spawnHub(['--db', db, '--log-level', 'warn']);
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
      proc = await spawnHub(['--db', db, '--port', String(port), '--log-level', 'warn']);
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
  const side = await spawnHub(['--db', db, '--log-level', 'warn']);
  try {
    await fn(side.url);
  } finally {
    side.proc.kill('SIGTERM');
    await side.exited;
  }
}
