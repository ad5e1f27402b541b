import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { api, perTest } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';

const { hub, defer } = perTest();

async function sign(key: CryptoKey | Uint8Array, alg: string, opts: { kid?: string; sub?: string; expInS?: number } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg, ...(opts.kid ? { kid: opts.kid } : {}) })
    .setSubject(opts.sub ?? 'alice')
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expInS ?? 3600))
    .sign(key);
}

async function status(base: string, token?: string): Promise<number> {
  return (await api(base, 'GET', '/api/c/agent', undefined, token ? { authorization: `Bearer ${token}` } : {})).status;
}

/** A JWKS endpoint on 127.0.0.1 that the test can rotate; counts its fetches. */
async function jwksServer(): Promise<{ url: string; keys: JWK[]; fetches: () => number }> {
  const state = { keys: [] as JWK[], fetches: 0 };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  defer(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(k: JWK[]) {
      state.keys = k;
    },
    fetches: () => state.fetches,
  };
}

async function jwkOf(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' };
}

describe('JWT from public keys', () => {
  it('accepts RS256 tokens from a PEM public key and refuses other keys and an HS256 token keyed by the PEM text', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const h = await hub({ auth: { publicKey: pem } });
    expect(await status(h.url, await sign(privateKey, 'RS256'))).toBe(200);
    expect(await status(h.url, await sign(other.privateKey, 'RS256'))).toBe(401);
    expect(await status(h.url, await sign(new TextEncoder().encode(pem), 'HS256'))).toBe(401);
    expect(await status(h.url)).toBe(401);
  });

  it('accepts ES256 tokens from a PEM public key, over HTTP and WebSocket, and refuses a wrong key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    const h = await hub({ auth: { publicKey: await exportSPKI(publicKey) } });
    const good = await sign(privateKey, 'ES256');
    const bad = await sign(other.privateKey, 'ES256');
    expect(await status(h.url, good)).toBe(200);
    expect(await status(h.url, bad)).toBe(401);
    const ws = await TestClient.connect(h.url, { query: `token=${good}` }); // resolves on its welcome
    defer(() => ws.close());
    await expect(TestClient.connect(h.url, { query: `token=${bad}` })).rejects.toThrow(/socket closed \(4401/);
  });

  it('refuses to start on a key that is not PEM, or on two key sources', async () => {
    await expect(hub({ auth: { publicKey: 'not a key' } })).rejects.toThrow(/auth.publicKey is not a PEM public key/);
    await expect(hub({ auth: { secret: 'x'.repeat(32), jwksUrl: 'http://127.0.0.1:1/jwks' } })).rejects.toThrow(/exactly one of secret, publicKey, jwksUrl/);
  });

  it('verifies against a JWKS URL, caches it, and follows a key rotation', async () => {
    const a = await generateKeyPair('RS256');
    const b = await generateKeyPair('ES256');
    const jwks = await jwksServer();
    jwks.keys = [await jwkOf(a.publicKey, 'a', 'RS256')];
    const h = await hub({ auth: { jwksUrl: jwks.url, jwksCooldownMs: 0 } });
    const tokenA = await sign(a.privateKey, 'RS256', { kid: 'a' });
    expect(await status(h.url, tokenA)).toBe(200);
    expect(await status(h.url, tokenA)).toBe(200);
    expect(jwks.fetches()).toBe(1); // cached

    // Rotation: the issuer now signs with b and has retired a.
    jwks.keys = [await jwkOf(b.publicKey, 'b', 'ES256')];
    expect(await status(h.url, await sign(b.privateKey, 'ES256', { kid: 'b' }))).toBe(200);
    expect(jwks.fetches()).toBe(2);
    expect(await status(h.url, tokenA)).toBe(401);
    const stranger = await generateKeyPair('ES256');
    expect(await status(h.url, await sign(stranger.privateKey, 'ES256', { kid: 'b' }))).toBe(401);
  });

  it('refuses every token while the JWKS cannot be fetched, without failing the request otherwise', async () => {
    const a = await generateKeyPair('RS256');
    const h = await hub({ auth: { jwksUrl: 'http://127.0.0.1:1/jwks.json' } });
    expect(await api(h.url, 'GET', '/api/c/agent', undefined, { authorization: `Bearer ${await sign(a.privateKey, 'RS256', { kid: 'a' })}` })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated' } },
    });
  });

  it('clockToleranceSec accepts a token expired within the leeway and no longer', async () => {
    const secret = 's'.repeat(32);
    const key = new TextEncoder().encode(secret);
    const expired = await sign(key, 'HS256', { expInS: -30 });
    expect(await status((await hub({ auth: { secret } })).url, expired)).toBe(401);
    const lenient = await hub({ auth: { secret, clockToleranceSec: 120 } });
    expect(await status(lenient.url, expired)).toBe(200);
    expect(await status(lenient.url, await sign(key, 'HS256', { expInS: -300 }))).toBe(401);
  });
});
