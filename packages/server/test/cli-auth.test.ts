import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { killIfRunning, spawnHub, type HubProcess } from './helpers/spawn-hub.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const SECRET = 'cli-secret-cli-secret-cli-secret!!';
const OTHER = 'other-secret-other-secret-other-secret';

async function token(secret: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
}

async function status(base: string, secret?: string): Promise<number> {
  return (await api(base, 'GET', '/api/c/agent', undefined, secret ? { authorization: `Bearer ${await token(secret)}` } : {})).status;
}

describe('livehub serve: JWT secret and the open-hub warning', () => {
  const { defer } = perTest();
  const start = async (args: string[], env: Record<string, string> = {}): Promise<HubProcess> => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const p = await spawnHub(['--db', join(tmp.dir, 'hub.db'), ...args], { LIVEHUB_JWT_SECRET: '', ...env });
    defer(() => killIfRunning(p));
    return p;
  };
  const warningsOf = (p: HubProcess): string[] =>
    p
      .output()
      .split('\n')
      .filter((l) => /warning/i.test(l) && l.startsWith('livehub:'));

  it('LIVEHUB_JWT_SECRET turns auth on, without a warning', async () => {
    const p = await start([], { LIVEHUB_JWT_SECRET: SECRET });
    expect(await status(p.url)).toBe(401);
    expect(await status(p.url, SECRET)).toBe(200);
    expect(await status(p.url, OTHER)).toBe(401);
    expect(warningsOf(p)).toEqual([]);
  });

  it('--jwt-secret turns auth on and wins over the environment', async () => {
    const p = await start(['--jwt-secret', SECRET], { LIVEHUB_JWT_SECRET: OTHER });
    expect(await status(p.url, SECRET)).toBe(200);
    expect(await status(p.url, OTHER)).toBe(401);
  });

  it('refuses a short secret at start (exit 2, naming the option)', async () => {
    await expect(start(['--jwt-secret', 'short'])).rejects.toThrow(/auth\.secret/);
  });

  it('prints one warning line when no auth is configured, and a louder one off loopback', async () => {
    const local = await start([]);
    await waitFor(() => warningsOf(local).length > 0, 'the open-hub warning');
    expect(warningsOf(local)).toEqual([expect.stringMatching(/^livehub: warning: no auth configured: .*LIVEHUB_JWT_SECRET/)]);
    expect(await status(local.url)).toBe(200);

    const exposed = await start(['--host', '0.0.0.0']);
    await waitFor(() => warningsOf(exposed).length > 0, 'the loud warning');
    expect(warningsOf(exposed)).toEqual([expect.stringMatching(/^livehub: WARNING: NO AUTH and bound to 0\.0\.0\.0: ANYONE WHO CAN REACH/)]);
  });
});
