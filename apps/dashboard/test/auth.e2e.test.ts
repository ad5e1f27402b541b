import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../packages/server/test/helpers/hub-fixture.js';
import { killIfRunning, spawnHub, type HubProcess } from '../../../packages/server/test/helpers/spawn-hub.js';
import { launchChromium } from './helpers/chromium.js';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');
const SECRET = 'dashboard-e2e-secret-dashboard-e2e!';

/** The dashboard reads admin surfaces (`*`, `/api/hub/*`): its tokens carry the admin claim unless a test says otherwise. */
async function token(sub: string, claims: Record<string, unknown> = { role: 'admin' }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
}

let hub: HubProcess;
let browser: Awaited<ReturnType<typeof launchChromium>>;
const tmp = tempDir();

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const config = join(tmp.dir, 'livehub.config.json');
  writeFileSync(config, JSON.stringify({ auth: { secret: SECRET } }));
  hub = await spawnHub(['--db', join(tmp.dir, 'hub.db'), '--config', config], { LOG_LEVEL: 'warn' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (hub) await killIfRunning(hub);
  tmp.cleanup();
});

describe('dashboard on a hub with auth', () => {
  it('asks for a token, then connects with it, and signs out', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${hub.url}/#/collections`);
    await page.getByTestId('token-input').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sign-in.png') });
    await page.getByTestId('token-input').fill(await token('ops-ann'));
    await page.getByTestId('token-submit').click();
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    // The hub knows who is looking: the principal of the dashboard's connection.
    const res = await fetch(`${hub.url}/api/hub/clients`, { headers: { authorization: `Bearer ${await token('check')}` } });
    const { clients } = (await res.json()) as { clients: Array<{ sub: string; clientId: string }> };
    expect(clients.filter((c) => c.clientId.startsWith('dashboard-')).map((c) => c.sub)).toEqual(['ops-ann']);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('token-input').waitFor();
    await page.close();
  });

  it('takes ?token= once and removes it from the address bar; a refused token shows the sign-in again', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${hub.url}/?token=${await token('ops-bob')}#/events`);
    await page.locator('[data-testid=connection][data-state=connected]').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(page.url()).toContain('#/events');
    const other = await browser.context.newPage();
    await other.goto(`${hub.url}/?token=not-a-jwt`);
    await other.getByText('was refused').waitFor();
    await page.close();
    await other.close();
  });

  it('tells a signed-in user without the admin claim that the ops pages need an admin', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${hub.url}/?token=${await token('plain-user', { role: 'user' })}#/overview`);
    await page.getByText(/Could not read \/api\/hub\/stats: .*HTTP 403 .*requires an admin principal/).waitFor();
    await page.close();
  });
});
