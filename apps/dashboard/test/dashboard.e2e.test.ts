import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The hook tests' hub helpers: the real CLI as a process, restartable on the same port and database.
import { http, startLiveHub, withSideHub, type LiveHub } from '../../../packages/react/test/helpers/live-hub.js';
import { launchChromium } from './helpers/chromium.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const here = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(here, '../../../test-artifacts');

let hub: LiveHub;
let context: BrowserContext;
let a: Page;
let b: Page;
const pageErrors: string[] = [];

/** The row of the record with this name, in a page's records table. */
const row = (page: Page, text: string) => page.locator('[data-testid=record-row]', { hasText: text });
const indicator = (page: Page, state: string) => page.locator(`[data-testid=connection][data-state=${state}]`);

/**
 * Waits until the hub lists this page's connection on `channel`: a write after that reaches the
 * page (the DOM does not show when the hub has confirmed a subscription, the hub's client list does).
 */
async function subscribedOn(page: Page, channel: string): Promise<void> {
  const title = (await indicator(page, 'connected').getAttribute('title')) ?? '';
  const clientId = /client: (\S+)/.exec(title)?.[1];
  if (!clientId) throw new Error(`no client id in the connection indicator's title: ${title}`);
  await waitFor(async () => {
    const { clients } = await http(hub.url, 'GET', '/api/hub/clients');
    return (clients as Array<{ clientId: string; channels: string[] }>).some((c) => c.clientId === clientId && c.channels.includes(channel));
  }, `${clientId} to be subscribed to ${channel}`);
}

/** A few seconds of writes and publishes, so the rate chart in the screenshots has something to show. */
async function traffic(ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; Date.now() < until; i++) {
    await Promise.all([
      http(hub.url, 'POST', '/api/c/metric', { n: i, load: Math.round(50 + 40 * Math.sin(i / 4)) }),
      http(hub.url, 'POST', '/api/publish', { channel: 'chat:room:1', event: 'chat.message', data: { n: i } }),
    ]);
    // Pacing, not waiting: an uneven rate makes the chart's line worth looking at.
    await new Promise((r) => setTimeout(r, 40 + 30 * Math.sin(i / 3)));
  }
}

async function open(page: Page, route: string): Promise<void> {
  await page.goto(`${hub.url}/#/${route}`);
  await indicator(page, 'connected').waitFor();
}

let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
  context = browser.context;
  hub = await startLiveHub();
  a = await context.newPage();
  b = await context.newPage();
  for (const p of [a, b]) p.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await hub?.cleanup();
});

describe('dashboard in Chromium against the real hub', () => {
  it('shows a record created in one page in the other, and an edit back', async () => {
    await open(a, 'collections/agent');
    await open(b, 'collections/agent');
    await a.getByTestId('new-record').click();
    await a.getByTestId('editor-json').fill(JSON.stringify({ name: 'scout', status: 'idle' }, null, 2));
    await a.getByTestId('editor-save').click();
    await row(b, 'scout').waitFor();

    // Edit in B (PUT with If-Match): A's table follows.
    await row(b, 'scout').click();
    await b.getByTestId('editor-version').getByText('1').waitFor();
    await b.getByTestId('editor-json').fill(JSON.stringify({ name: 'scout', status: 'busy' }, null, 2));
    await b.getByTestId('editor-save').click();
    await row(a, 'busy').waitFor();
    expect(await row(a, 'scout').count()).toBe(1);
  });

  it('shows reconnecting with the attempt count when the hub stops', async () => {
    await a.evaluate(() => void ((globalThis as Record<string, unknown>).__sameDocument = true));
    await hub.stop();
    for (const p of [a, b])
      await indicator(p, 'reconnecting')
        .getByText(/Reconnecting · attempt \d+/)
        .waitFor();
    await a.screenshot({ path: join(ARTIFACTS, 'dashboard-reconnecting.png') });
  });

  it('shows what changed while it was disconnected once the hub is back, without a reload', async () => {
    // Written through the HTTP API of another hub process on the same database while the page's hub is down.
    await withSideHub(hub.db, async (url) => {
      const { items } = await http(url, 'GET', '/api/c/agent');
      const scout = items.find((r: { name: string }) => r.name === 'scout');
      await http(url, 'PATCH', `/api/c/agent/${scout.id}`, { status: 'away' });
      await http(url, 'POST', '/api/c/agent', { name: 'ranger', status: 'idle' });
    });
    await hub.restart(); // same --db, same port
    for (const p of [a, b]) {
      await indicator(p, 'connected').waitFor({ timeout: 20_000 });
      await row(p, 'ranger').waitFor();
      await row(p, 'away').waitFor();
    }
    expect(await a.evaluate(() => (globalThis as Record<string, unknown>).__sameDocument)).toBe(true);
  });

  it('inspects events: filters by channel and name, pauses, and shows payload and seq', async () => {
    await open(b, 'events');
    const rows = b.getByTestId('event-row');
    await subscribedOn(b, '*');
    await http(hub.url, 'POST', '/api/c/agent', { name: 'inspected', status: 'idle' });
    await rows.filter({ hasText: 'agent.created' }).waitFor();
    await http(hub.url, 'POST', '/api/publish', { channel: 'chat:room:2', event: 'chat.message', data: { text: 'hello' } });
    await rows.filter({ hasText: 'chat.message' }).waitFor();

    await b.getByTestId('filter-channel').selectOption('chat:room:2');
    await rows.first().waitFor();
    expect(await rows.filter({ hasText: 'agent.created' }).count()).toBe(0);
    await b.getByTestId('filter-channel').selectOption('');
    await b.getByTestId('filter-event').fill('agent.');
    expect(await rows.filter({ hasText: 'chat.message' }).count()).toBe(0);
    await b.getByTestId('filter-event').fill('');

    // Paused: the list holds still and counts what arrives.
    await b.getByTestId('pause').click();
    const shown = await rows.count();
    await http(hub.url, 'POST', '/api/publish', { channel: 'chat:room:2', event: 'chat.message', data: { text: 'while paused' } });
    await b.getByTestId('pause').getByText('Resume (1 new)').waitFor();
    expect(await rows.count()).toBe(shown);
    await b.getByTestId('pause').click();
    await rows.filter({ hasText: 'while paused' }).waitFor();

    // A durable event's detail shows its seq; the payload is the change.
    await rows.filter({ hasText: 'agent.created' }).first().click();
    const detail = b.getByTestId('event-detail');
    await detail.getByText('"inspected"').waitFor();
    const seq = Number(await detail.locator('dd').nth(1).textContent());
    expect(Number.isInteger(seq) && seq > 0).toBe(true);
  });

  it('renders every view in light and dark (screenshots in test-artifacts/)', async () => {
    await http(hub.url, 'POST', '/api/c/task', { title: 'write the docs', done: false, owner: 'ann' });
    await open(a, 'overview');
    await traffic(4000);
    for (const scheme of ['light', 'dark'] as const) {
      await a.emulateMedia({ colorScheme: scheme });
      await open(a, 'overview');
      await a.getByTestId('rate-chart').waitFor();
      await a.screenshot({ path: join(ARTIFACTS, `dashboard-${scheme}-overview.png`) });

      await open(a, 'collections/agent');
      await row(a, 'ranger').click();
      await a.getByTestId('editor').waitFor();
      await a.screenshot({ path: join(ARTIFACTS, `dashboard-${scheme}-collections.png`) });

      await open(a, 'events');
      await subscribedOn(a, '*');
      await http(hub.url, 'POST', '/api/c/agent', { name: `probe-${scheme}`, status: 'idle' });
      await a.getByTestId('event-row').filter({ hasText: 'agent.created' }).waitFor();
      await http(hub.url, 'POST', '/api/publish', { channel: 'chat:room:1', event: 'chat.typing', data: { who: 'ann' } });
      await a.getByTestId('event-row').filter({ hasText: 'chat.typing' }).click();
      await a.getByTestId('event-detail').waitFor();
      await a.screenshot({ path: join(ARTIFACTS, `dashboard-${scheme}-events.png`) });

      await open(a, 'clients');
      await a.getByTestId('client-row').nth(1).waitFor(); // both tabs
      await a.screenshot({ path: join(ARTIFACTS, `dashboard-${scheme}-clients.png`) });
    }
    expect(pageErrors).toEqual([]);
  });
});
