import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '@livehub/protocol';
import { api, startHub } from './helpers/hub-fixture.js';
import { createHub } from '../src/index.js';
import { TestClient } from './helpers/ws-client.js';
import { isHubError } from '../src/errors.js';

type Hub = Awaited<ReturnType<typeof startHub>>;

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  for (let i = 1; i < levels; i++) cur = cur.a = {};
  cur.a = 1;
  return root;
}

const MAX_DEPTH = 16;

describe('hostile input answers a documented 4xx, never a 500', () => {
  let hub: Hub;
  let base: string;
  beforeAll(async () => {
    hub = await startHub({ maxJsonDepth: MAX_DEPTH });
    base = hub.url;
    expect((await api(base, 'POST', '/api/c/deep', { id: 'plain', a: 1 })).status).toBe(201);
  });
  afterAll(() => hub?.cleanup());

  it('accepts a record exactly maxJsonDepth deep and refuses one level more with too_deep', async () => {
    expect((await api(base, 'POST', '/api/c/deep', nested(MAX_DEPTH))).status).toBe(201);
    for (const [method, path] of [
      ['POST', '/api/c/deep'],
      ['PUT', '/api/c/deep/plain'],
      ['PATCH', '/api/c/deep/plain'],
    ] as const) {
      const res = await api(base, method, path, nested(MAX_DEPTH + 1));
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.code).toBe('too_deep');
    }
  });

  it('refuses a record 1,500 levels deep, so the lists of its collection keep answering', async () => {
    // Before the depth limit this was stored, and every filtered or ordered list then answered 500
    // (SQLite's JSON functions refuse data nested over 1,000 levels).
    const res = await api(base, 'POST', '/api/c/deep', nested(1500));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('too_deep');
    for (const q of ['', '?order=a', '?order=-a', '?a=1', '?a.a=1']) {
      const list = await api(base, 'GET', `/api/c/deep${q}`);
      expect(list.status, q).toBe(200);
    }
  });

  it('refuses a too-deep record written through hub.collections with a HubError too_deep', async () => {
    const err: unknown = await hub.collections.create('deep', nested(1500)).catch((e: unknown) => e);
    expect(isHubError(err) && err.code).toBe('too_deep');
    const patchErr: unknown = await hub.collections.patch('deep', 'plain', nested(MAX_DEPTH + 1)).catch((e: unknown) => e);
    expect(isHubError(patchErr) && patchErr.code).toBe('too_deep');
    expect((await api(base, 'GET', '/api/c/deep?order=a')).status).toBe(200);
  });

  it('refuses a too-deep body on any route (publish included) before parsing it', async () => {
    const deep = '['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1);
    const res = await api(base, 'POST', '/api/publish', `{"channel":"room:1","event":"x","data":${deep}}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('too_deep');
  });

  it('refuses a too-deep WebSocket frame with too_deep and keeps the connection', async () => {
    const c = await TestClient.connect(base);
    try {
      const from = c.messages.length;
      c.send({ type: 'publish', id: 'd', channel: 'room:1', event: 'x', data: nested(MAX_DEPTH) });
      const reply = await c.waitFor((m) => m.type === 'error', { from });
      expect(reply.code).toBe('too_deep');
      c.send({ type: 'publish', id: 'ok', channel: 'room:1', event: 'x', data: nested(MAX_DEPTH - 2) });
      await c.waitFor((m) => m.type === 'ack' && m.id === 'ok', { from });
      expect(c.closeCode).toBeUndefined();
    } finally {
      c.close();
    }
  });

  it('treats Object.prototype member names as data fields in filters and order', async () => {
    const queries = [
      '?order=constructor',
      '?order=-__proto__',
      '?order=toString',
      '?toString=1',
      '?hasOwnProperty=1',
      '?constructor=1',
      '?__proto__=1',
      '?valueOf=null',
    ];
    for (const q of queries) {
      const res = await api(base, 'GET', `/api/c/deep${q}`);
      expect(res.status, q).toBe(200);
    }
    for (const q of ['?__proto__[x]=1', '?constructor[prototype]=1', '?order=__proto__.x.y.z.w', '?order=a[b]']) {
      const res = await api(base, 'GET', `/api/c/deep${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('invalid_query');
    }
  });

  it('answers a URL that does not decode with the catalogue body, not fastify own', async () => {
    for (const path of ['/%', '/api/c/%ff', '/api/c/deep/%ff', '/api/c/deep/%E0%A4%A']) {
      const res = await api(base, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(isErrorCode(res.body?.error?.code), `${path}: ${JSON.stringify(res.body)}`).toBe(true);
    }
  });
});

/** Writes raw bytes on a fresh connection and resolves with everything the hub sent back before it closed. */
function rawHttp(base: string, bytes: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

describe('requests node refuses before routing', () => {
  let hub: Hub;
  beforeAll(async () => (hub = await startHub()));
  afterAll(() => hub?.cleanup());

  it('answers an unknown method or a malformed request line with the catalogue body and closes', async () => {
    for (const bytes of ['FOO /api/c/x HTTP/1.1\r\nHost: a\r\n\r\n', 'GET /api/c/\u00ff HTTP/1.1\r\nHost: a\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
      const reply = await rawHttp(hub.url, bytes);
      expect(reply, JSON.stringify(bytes)).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
      expect(body.error.code).toBe('bad_request');
    }
  });

  it('answers oversized headers with 431 and the catalogue body', async () => {
    const reply = await rawHttp(hub.url, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(isErrorCode((JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { error: { code: string } }).error.code)).toBe(true);
  });

  it('sends no body after refusing a malformed HEAD, so the reply is one response', async () => {
    const reply = await rawHttp(hub.url, 'HEAD /api/c/\u00ff HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply.endsWith('\r\n\r\n')).toBe(true);
  });
});

describe('maxJsonDepth option', () => {
  it('is validated: below 2 or above the SQLite-safe 900 is refused', () => {
    expect(() => createHub({ maxJsonDepth: 1, logLevel: 'silent' })).toThrow(/maxJsonDepth/);
    expect(() => createHub({ maxJsonDepth: 1000, logLevel: 'silent' })).toThrow(/maxJsonDepth/);
  });
});
