import { afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { createHub, type HubOptions, type LivehubServer } from '../../src/index.js';

/**
 * `limits` that lift the HTTP request rate, for suites whose one process stands for many users,
 * all from 127.0.0.1, or writes as fast as it can; the rate itself is tested in http-rate-limit.
 */
export const UNLIMITED_HTTP_RATE = { httpRequestsPerSecond: 1_000_000, httpRequestBurst: 1_000_000 };

/** A temp folder removed by `cleanup`. */
export function tempDir(prefix = 'livehub-test-'): { dir: string; cleanup(): void } {
  // An absolute prefix places the folder there; a bare one goes to the OS temp dir.
  const dir = mkdtempSync(isAbsolute(prefix) ? prefix : join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An in-process hub on a real SQLite file and a real port (0 = any free one). */
export async function startHub(options: HubOptions = {}): Promise<LivehubServer & { dbFile: string; cleanup(): Promise<void> }> {
  const tmp = options.db === undefined ? tempDir() : undefined;
  const dbFile = options.db ?? join(tmp!.dir, 'hub.db');
  const hub = createHub({ port: 0, logLevel: 'silent', shutdownGraceMs: 300, ...options, db: dbFile });
  await hub.start();
  return Object.assign(hub, {
    dbFile,
    async cleanup() {
      await hub.stop();
      tmp?.cleanup();
    },
  });
}

/** JSON HTTP call that returns status, headers and parsed body. */
export async function api(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // non-JSON body (HTML, metrics): keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * Per-test resources for a describe block: `defer` registers a cleanup, `hub` starts a hub that is
 * stopped after the test; both run in reverse order after each test.
 */
export function perTest(): { defer: (fn: () => Promise<void> | void) => void; hub: (options?: HubOptions) => ReturnType<typeof startHub> } {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return {
    defer: (fn) => void cleanups.push(fn),
    async hub(options = {}) {
      const h = await startHub(options);
      cleanups.push(() => h.cleanup());
      return h;
    },
  };
}
