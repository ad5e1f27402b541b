import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { perTest } from './helpers/hub-fixture.js';
import { SseTestClient } from './helpers/sse-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const SECRET = 'rate-secret-rate-secret-rate-secret!!';
const FORGED = 'forged-secret-forged-secret-forged!!';
const token = (sub: string, secret = SECRET): Promise<string> =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(secret));

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: unknown;
}

/**
 * One request over node's HTTP client, which can pick its source address: the whole of 127/8 is
 * loopback on Linux, so `127.0.0.2` is another remote address to the hub on 127.0.0.1.
 */
function call(base: string, method: string, path: string, opts: { token?: string; from?: string; body?: unknown } = {}): Promise<Answer> {
  const u = new URL(path, base);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        localAddress: opts.from ?? '127.0.0.1',
        // A fresh connection each time: the source address is chosen per connection.
        agent: false,
        headers: {
          ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retry === 'string' ? retry : undefined,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Spends `n` requests that must all pass. */
async function spend(n: number, send: () => Promise<Answer>): Promise<void> {
  for (let i = 0; i < n; i++) expect((await send()).status, `request ${i + 1} of the burst`).toBe(200);
}

function expectRefused(a: Answer): void {
  expect(a.status).toBe(429);
  expect(a.retryAfter).toMatch(/^[1-9]\d*$/);
  expect(a.body).toEqual({ error: { code: 'too_many_requests', message: expect.stringMatching(/^Request rate over limit; retry after \d+ s$/) } });
}

describe('HTTP request rate (limits.httpRequestsPerSecond / httpRequestBurst)', () => {
  const { hub } = perTest();
  const limits = { httpRequestsPerSecond: 2, httpRequestBurst: 4 };

  it('refuses a token holder over the rate with 429 and Retry-After; another principal and the address go on; it recovers after refill', async () => {
    const { url } = await hub({ auth: { secret: SECRET, required: false }, limits });
    const alice = await token('alice');
    const bob = await token('bob');
    await spend(4, () => call(url, 'GET', '/api/c/note', { token: alice }));
    expectRefused(await call(url, 'GET', '/api/c/note', { token: alice }));
    // Refused before the handler: the write did not happen.
    expectRefused(await call(url, 'POST', '/api/c/note', { token: alice, body: { id: 'n1', text: 'refused' } }));
    // Same address: bob's budget and the address's (requests without a token) are their own.
    expect((await call(url, 'GET', '/api/c/note/n1', { token: bob })).status).toBe(404);
    expect((await call(url, 'GET', '/api/c/note')).status).toBe(200);
    // A refused request spends nothing, so polling for the refill converges; the write then happens once.
    let last: Answer | undefined;
    const write = { token: alice, body: { id: 'n1', text: 'accepted' } };
    await waitFor(async () => (last = await call(url, 'POST', '/api/c/note', write)).status !== 429, "alice's bucket to refill");
    expect(last?.status).toBe(201);
    expect((await call(url, 'GET', '/api/c/note/n1', { token: bob })).body).toMatchObject({ text: 'accepted', version: 1 });
  });

  it('limits requests without a token per remote address', async () => {
    const { url } = await hub({ limits });
    await spend(4, () => call(url, 'GET', '/api/c/note'));
    expectRefused(await call(url, 'GET', '/api/c/note'));
    expect((await call(url, 'GET', '/api/c/note', { from: '127.0.0.2' })).status).toBe(200);
    // Outside /api/ nothing is counted.
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
  });

  it('counts a refused token against its address, never against the sub it names', async () => {
    const { url } = await hub({ auth: { secret: SECRET }, limits });
    const forged = await token('alice', FORGED);
    for (let i = 0; i < 4; i++) expect((await call(url, 'GET', '/api/c/note', { token: forged })).status).toBe(401);
    expectRefused(await call(url, 'GET', '/api/c/note', { token: forged }));
    expectRefused(await call(url, 'GET', '/api/c/note'));
    // The real alice, from the same address, has her whole burst.
    await spend(4, async () => call(url, 'GET', '/api/c/note', { token: await token('alice') }));
    // Another address with the forged token is merely unauthenticated.
    expect((await call(url, 'GET', '/api/c/note', { token: forged, from: '127.0.0.2' })).status).toBe(401);
  });

  it('counts an event stream and a long-poll once each, and does not cut a stream once the bucket is empty', async () => {
    const { url, collections } = await hub({ limits });
    const sse = await SseTestClient.open(`${url}/api/events?channels=note`);
    await sse.waitFor((m) => m.type === 'subscribed');
    // Answered by the write below, whether it came before or after the poll started waiting.
    const poll = call(url, 'GET', '/api/changes?channels=note&since=0&wait=30');
    await collections.create('note', { id: 'n1', text: 'first' });
    expect((await poll).status).toBe(200);
    // The stream and the long-poll took 2 of 4: two more pass.
    await spend(2, () => call(url, 'GET', '/api/c/note'));
    expectRefused(await call(url, 'GET', '/api/c/note'));
    await collections.create('note', { id: 'n2', text: 'after the limit' });
    await sse.waitFor((m) => m.type === 'event' && (m.data as { id?: string } | undefined)?.id === 'n2');
    sse.close();
  });
});
