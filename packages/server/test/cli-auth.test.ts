import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { api, perTest, tempDir } from './helpers/hub-fixture.js';
import { CLI, killIfRunning, spawnHub, type HubProcess } from './helpers/spawn-hub.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const SECRET = 'cli-secret-cli-secret-cli-secret!!';
const OTHER = 'other-secret-other-secret-other-secret';

async function token(secret: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
}

async function status(base: string, secret?: string): Promise<number> {
  return statusWith(base, secret ? await token(secret) : undefined);
}

async function statusWith(base: string, jwt: string | undefined): Promise<number> {
  return (await api(base, 'GET', '/api/c/agent', undefined, jwt !== undefined ? { authorization: `Bearer ${jwt}` } : {})).status;
}

/** An ES256 token for `alice`, signed with `key`. */
function es256(key: KeyObject, claims: { kid?: string; iss?: string } = {}): Promise<string> {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', ...(claims.kid !== undefined ? { kid: claims.kid } : {}) })
    .setSubject('alice')
    .setExpirationTime('1h');
  return (claims.iss !== undefined ? jwt.setIssuer(claims.iss) : jwt).sign(key);
}

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

/** Every key-source variable, empty: the developer's own environment must not leak into a test. */
const NO_KEYS = { LIVEHUB_JWT_SECRET: '', LIVEHUB_JWT_PUBLIC_KEY: '', LIVEHUB_JWT_PUBLIC_KEY_FILE: '', LIVEHUB_JWKS_URL: '' };

const run = promisify(execFile);
/** `livehub serve` expected to refuse to start: its exit code and output. A hub that starts anyway is killed at the timeout (code null). */
async function refusal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const tmp = tempDir();
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'serve', '--port', '0', '--db', join(tmp.dir, 'hub.db'), ...args], {
      env: { ...process.env, ...NO_KEYS, ...env },
      timeout: 15_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number | null; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : null, out: e.stdout + e.stderr };
  } finally {
    tmp.cleanup();
  }
}

describe('livehub serve: JWT secret and the open-hub warning', () => {
  const { defer } = perTest();
  const start = async (args: string[], env: Record<string, string> = {}): Promise<HubProcess> => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const p = await spawnHub(['--db', join(tmp.dir, 'hub.db'), ...args], { ...NO_KEYS, ...env });
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

  it('--jwt-public-key FILE turns auth on: a token of the matching private key passes, one of another key is 401', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const { publicKey, privateKey } = p256();
    const file = join(tmp.dir, 'issuer.pem');
    writeFileSync(file, pemOf(publicKey));
    const p = await start(['--jwt-public-key', file]);
    expect(await statusWith(p.url, undefined)).toBe(401);
    expect(await statusWith(p.url, await es256(privateKey))).toBe(200);
    expect(await statusWith(p.url, await es256(p256().privateKey))).toBe(401);
    // An HS256 token is of another family: refused whatever it is signed with.
    expect(await status(p.url, SECRET)).toBe(401);
    expect(warningsOf(p)).toEqual([]);
  });

  it('takes the public key from LIVEHUB_JWT_PUBLIC_KEY (the PEM, also with literal \\n) or LIVEHUB_JWT_PUBLIC_KEY_FILE', async () => {
    const { publicKey, privateKey } = p256();
    const other = p256().privateKey;
    const byPem = await start([], { LIVEHUB_JWT_PUBLIC_KEY: pemOf(publicKey) });
    expect(await statusWith(byPem.url, await es256(privateKey))).toBe(200);
    expect(await statusWith(byPem.url, await es256(other))).toBe(401);

    const oneLine = await start([], { LIVEHUB_JWT_PUBLIC_KEY: pemOf(publicKey).trimEnd().replaceAll('\n', '\\n') });
    expect(await statusWith(oneLine.url, await es256(privateKey))).toBe(200);

    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const file = join(tmp.dir, 'issuer.pem');
    writeFileSync(file, pemOf(publicKey));
    const byFile = await start([], { LIVEHUB_JWT_PUBLIC_KEY_FILE: file });
    expect(await statusWith(byFile.url, await es256(privateKey))).toBe(200);
    expect(await statusWith(byFile.url, await es256(other))).toBe(401);
  });

  it('--jwks-url and LIVEHUB_JWKS_URL fetch the issuer keys and check tokens by kid', async () => {
    const { publicKey, privateKey } = p256();
    const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    const issuer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => issuer.close(() => resolve())));
    const url = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/.well-known/jwks.json`;

    const byFlag = await start(['--jwks-url', url]);
    expect(await statusWith(byFlag.url, await es256(privateKey, { kid: 'k1' }))).toBe(200);
    expect(await statusWith(byFlag.url, await es256(p256().privateKey, { kid: 'k1' }))).toBe(401);
    const byEnv = await start([], { LIVEHUB_JWKS_URL: url });
    expect(await statusWith(byEnv.url, await es256(privateKey, { kid: 'k1' }))).toBe(200);
  });

  it("replaces the config file's key source and keeps its other auth settings", async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const { publicKey, privateKey } = p256();
    const keyFile = join(tmp.dir, 'issuer.pem');
    writeFileSync(keyFile, pemOf(publicKey));
    const config = join(tmp.dir, 'livehub.config.json');
    writeFileSync(config, JSON.stringify({ auth: { secret: SECRET, issuer: 'https://issuer.test' } }));
    const p = await start(['--config', config, '--jwt-public-key', keyFile]);
    expect(await statusWith(p.url, await es256(privateKey, { iss: 'https://issuer.test' }))).toBe(200);
    expect(await statusWith(p.url, await es256(privateKey))).toBe(401);
    expect(await status(p.url, SECRET)).toBe(401);
  });

  it('refuses two key sources at once (exit 2), naming both', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const file = join(tmp.dir, 'issuer.pem');
    writeFileSync(file, pemOf(p256().publicKey));
    expect(await refusal(['--jwt-secret', SECRET, '--jwt-public-key', file])).toEqual({
      code: 2,
      out: expect.stringMatching(/^livehub: two JWT key sources given: --jwt-secret and --jwt-public-key \S*issuer\.pem; give one of/),
    });
    expect(await refusal(['--jwks-url', 'https://issuer.test/jwks.json'], { LIVEHUB_JWT_SECRET: SECRET })).toMatchObject({
      code: 2,
      out: expect.stringMatching(/two JWT key sources given: LIVEHUB_JWT_SECRET and --jwks-url/),
    });
    expect(await refusal([], { LIVEHUB_JWT_PUBLIC_KEY: pemOf(p256().publicKey), LIVEHUB_JWT_PUBLIC_KEY_FILE: file })).toMatchObject({
      code: 2,
      out: expect.stringMatching(/LIVEHUB_JWT_PUBLIC_KEY and LIVEHUB_JWT_PUBLIC_KEY_FILE/),
    });
  });

  it('refuses a missing or unusable key file (exit 2), naming the file', async () => {
    const tmp = tempDir();
    defer(() => tmp.cleanup());
    const missing = join(tmp.dir, 'nope.pem');
    expect(await refusal(['--jwt-public-key', missing])).toEqual({
      code: 2,
      out: `livehub: cannot read the JWT public key file ${missing} (--jwt-public-key): ENOENT\n`,
    });
    expect(await refusal([], { LIVEHUB_JWT_PUBLIC_KEY_FILE: tmp.dir })).toMatchObject({
      code: 2,
      out: expect.stringContaining(`cannot read the JWT public key file ${tmp.dir} (LIVEHUB_JWT_PUBLIC_KEY_FILE): EISDIR`),
    });
    const garbage = join(tmp.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key');
    const bad = await refusal(['--jwt-public-key', garbage]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/auth\.publicKey is not a PEM public key/);
    expect(bad.out).toContain(`(the JWT key came from --jwt-public-key ${garbage})`);
  });
});
