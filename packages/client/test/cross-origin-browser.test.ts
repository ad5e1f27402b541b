import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../apps/dashboard/test/helpers/chromium.js';
import { api, startHub } from '../../server/test/helpers/hub-fixture.js';
import type * as Livehub from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = { client: join(here, '../dist'), protocol: join(here, '../../protocol/dist') };

/** What the page keeps on `window` for the test to read. */
interface PageState {
  livehub: typeof Livehub;
  client?: Livehub.LivehubClient;
  errors: string[];
  list?: { ok: true; names: string[] } | { ok: false; name: string; code: string; message: string };
}

/**
 * An app on its own origin, as a Vite dev server on :5173 would be: a page that loads the built
 * client (an import map stands in for the bundler) and nothing else.
 */
const APP_PAGE = `<!doctype html><meta charset="utf-8"><title>app</title>
<script type="importmap">{ "imports": { "@livehub/protocol/core": "/protocol/core.js" } }</script>
<script type="module">import * as livehub from '/client/index.js'; window.livehub = livehub; window.errors = [];</script>`;

async function appServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const page = APP_PAGE;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    const [, pkg, ...rest] = path.split('/');
    const root = pkg === 'client' || pkg === 'protocol' ? DIST[pkg] : undefined;
    const file = root === undefined ? undefined : normalize(join(root, ...rest));
    if (root === undefined || !file?.startsWith(root) || !file.endsWith('.js')) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let browser: Awaited<ReturnType<typeof launchChromium>>;
let app: Awaited<ReturnType<typeof appServer>>;

beforeAll(async () => {
  [browser, app] = await Promise.all([launchChromium(), appServer()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Opens the app page at `pageUrl`, creates a client for `hubUrl` (the page's origin when undefined) in it and lists `agent` through it. */
async function openApp(hubUrl: string | undefined, pageUrl = app.origin + '/'): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'livehub' in globalThis);
  await page.evaluate(async (url) => {
    const w = globalThis as unknown as PageState;
    const client = w.livehub.createClient({ ...(url !== undefined ? { url } : {}), reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    w.client = client;
    client.on('error', (e) => w.errors.push(e.message));
    try {
      const page = await client.collection<{ name: string }>('agent').list();
      w.list = { ok: true, names: page.items.map((a) => a.name) };
    } catch (e) {
      const err = e as Livehub.LivehubError;
      w.list = { ok: false, name: err.name, code: err.code, message: err.message };
    }
  }, hubUrl);
  return page;
}

const state = (page: Page) =>
  page.evaluate(() => {
    const w = globalThis as unknown as PageState;
    return { list: w.list, errors: w.errors, status: w.client!.status.getSnapshot() };
  });

describe('an app on another origin than the hub, in Chromium', () => {
  it('refused by the hub: the list fails with an error that names CORS and allowedOrigins, the client says why it is not live', async () => {
    const hub = await startHub();
    try {
      await api(hub.url, 'POST', '/api/c/agent', { name: 'scout' });
      const page = await openApp(hub.url);
      const { list } = await state(page);
      expect(list).toMatchObject({ ok: false, name: 'LivehubError', code: 'network_error' });
      const message = list!.ok ? '' : list!.message;
      expect(message).toContain('Failed to fetch');
      expect(message).toContain(`refuses requests from this page's origin ${app.origin} (CORS)`);
      expect(message).toContain(`add '${app.origin}' to the hub's browser.allowedOrigins`);
      // Every transport is refused too (a bare 403 to the upgrade, no CORS on SSE and long-poll): a
      // round of attempts fails, and its error event says the same instead of a silent "Connecting…".
      await page.waitForFunction(() => (globalThis as unknown as PageState).errors.length > 0);
      const after = await state(page);
      expect(after.errors[0]).toContain('browser.allowedOrigins');
      expect(after.status.isConnected).toBe(false);
      expect(after.status.state).toBe('connecting');
      expect(hub.hub.connectionCount).toBe(0);
      await page.close();
    } finally {
      await hub.cleanup();
    }
  });

  it('with the app listed in browser.allowedOrigins: the same page loads the list and goes live', async () => {
    const hub = await startHub({ browser: { allowedOrigins: [app.origin] } });
    try {
      await api(hub.url, 'POST', '/api/c/agent', { name: 'scout' });
      const page = await openApp(hub.url);
      expect((await state(page)).list).toEqual({ ok: true, names: ['scout'] });
      await page.waitForFunction(() => (globalThis as unknown as PageState).client!.status.getSnapshot().isConnected);
      const { status, errors } = await state(page);
      expect(status.transport).toBe('websocket');
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await hub.cleanup();
    }
  });

  it('served by the hub itself (`dashboard: <folder>`): one origin, no url, nothing to allow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livehub-app-'));
    cpSync(DIST.client, join(dir, 'client'), { recursive: true });
    cpSync(DIST.protocol, join(dir, 'protocol'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), APP_PAGE);
    const hub = await startHub({ dashboard: dir });
    try {
      await api(hub.url, 'POST', '/api/c/agent', { name: 'scout' });
      const page = await openApp(undefined, hub.url + '/');
      expect((await state(page)).list).toEqual({ ok: true, names: ['scout'] });
      await page.waitForFunction(() => (globalThis as unknown as PageState).client!.status.getSnapshot().isConnected);
      expect((await state(page)).errors).toEqual([]);
      await page.close();
    } finally {
      await hub.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
