import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '@livehub/protocol';
import { api, perTest } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const SECRET = 'metrics-secret-metrics-secret-metrics';
const key = new TextEncoder().encode(SECRET);
const mint = (sub: string, exp: string | number = '1h') =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(exp).sign(key);

/** One sample of a scrape: `name{labels} value`, labels given as `k="v"` pairs in any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(m[3]);
  }
  return 0;
}

const labelsOf = (text: string, name: string, label: string): string[] =>
  [...text.matchAll(new RegExp(`^${name}\\{[^}]*${label}="([^"]*)"`, 'gm'))].map((m) => m[1]!);

describe('metrics', () => {
  const { hub: hubOn } = perTest();

  it('move with requests, deliveries, replays, auth failures, the log bounds and subscriptions by channel pattern', async () => {
    const hub = await hubOn({ auth: { secret: SECRET }, authTimeoutMs: 200 });
    const scrape = async () => (await api(hub.url, 'GET', '/metrics')).body as string;
    const before = await scrape();
    const token = await mint('alice');
    const auth = { authorization: `Bearer ${token}` };

    // HTTP: by route pattern, method and status class, never by raw URL.
    for (const id of ['a', 'b', 'c']) expect((await api(hub.url, 'POST', '/api/c/doc', { id }, auth)).status).toBe(201);
    expect((await api(hub.url, 'GET', '/api/c/doc/zzz', undefined, auth)).status).toBe(404);
    expect((await api(hub.url, 'GET', '/no/such/route')).status).toBe(404);
    // Auth failures by reason.
    await api(hub.url, 'GET', '/api/c/doc');
    await api(hub.url, 'GET', '/api/c/doc', undefined, { authorization: 'Bearer not-a-token' });
    await api(hub.url, 'GET', '/api/c/doc', undefined, { authorization: `Bearer ${await mint('alice', Math.floor(Date.now() / 1000) - 60)}` });
    const silent = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/ws`, SUBPROTOCOL);
    silent.on('error', () => undefined);
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    const wrong = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/ws`, SUBPROTOCOL);
    wrong.on('error', () => undefined);
    wrong.on('open', () => wrong.send(JSON.stringify({ type: 'ping' })));
    const wrongClosed = new Promise<number>((resolve) => wrong.on('close', (code) => resolve(code)));
    expect(await silentClosed).toBe(4401);
    expect(await wrongClosed).toBe(4401);
    // On a live connection: a refresh for someone else, and a token that runs out.
    const refreshing = await TestClient.connect(hub.url, { query: `token=${token}` });
    refreshing.send({ type: 'auth', token: await mint('mallory') });
    await refreshing.waitFor((m) => m.type === 'error' && m.code === 'forbidden');
    refreshing.close();
    const expiring = await TestClient.connect(hub.url, { query: `token=${await mint('alice', Math.floor(Date.now() / 1000) + 1)}` });
    expect(await expiring.closed()).toBe(4401);

    // Live deliveries, a replay, subscriptions on many channel patterns.
    const live = await TestClient.connect(hub.url, { query: `token=${token}` });
    await live.subscribe('doc');
    await live.subscribe('doc:a');
    await live.subscribe('session:1:out');
    for (let i = 0; i < 60; i++) await live.subscribe(`topic${i}:x`);
    await api(hub.url, 'PATCH', '/api/c/doc/a', { n: 1 }, auth);
    await live.waitFor((m) => m.type === 'event' && m.event === 'doc.updated' && m.channel === 'doc:a');
    const replaying = await TestClient.connect(hub.url, { query: `token=${token}` });
    expect(await replaying.subscribe('doc', { since: 0, epoch: hub.store.epoch })).toMatchObject({ replayed: 4 });
    await replaying.waitFor(() => replaying.events('doc').length === 4);
    await hub.store.compact({ maxChanges: 2, maxAgeMs: 1e12 }, hub.hub.lowWaterMark());

    const after = await scrape();
    const route = { method: 'POST', route: '/api/c/:collection', status: '2xx' };
    expect(sample(after, 'livehub_http_request_duration_seconds_count', route) - sample(before, 'livehub_http_request_duration_seconds_count', route)).toBe(3);
    expect(sample(after, 'livehub_http_request_duration_seconds_count', { method: 'GET', route: '/api/c/:collection/:id', status: '4xx' })).toBe(1);
    expect(sample(after, 'livehub_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '4xx' })).toBe(1);
    expect(sample(after, 'livehub_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBeGreaterThanOrEqual(3);
    expect(after).not.toMatch(/route="\/api\/c\/doc/);

    expect(sample(after, 'livehub_auth_failures_total', { reason: 'missing' })).toBe(1);
    expect(sample(after, 'livehub_auth_failures_total', { reason: 'invalid' })).toBe(1);
    expect(sample(after, 'livehub_auth_failures_total', { reason: 'expired' })).toBe(1);
    expect(sample(after, 'livehub_auth_failures_total', { reason: 'auth_timeout' })).toBe(1);
    expect(sample(after, 'livehub_auth_failures_total', { reason: 'no_auth_frame' })).toBe(1);
    expect(sample(after, 'livehub_auth_failures_total', { reason: 'wrong_principal' })).toBe(1);
    expect(sample(after, 'livehub_auth_failures_total', { reason: 'session_expired' })).toBe(1);

    // doc.updated went live to `doc` and `doc:a` of one connection; the replay's 4 are counted apart.
    expect(sample(after, 'livehub_deliveries_total') - sample(before, 'livehub_deliveries_total')).toBe(2);
    expect(sample(after, 'livehub_replayed_events_total') - sample(before, 'livehub_replayed_events_total')).toBe(4);
    expect(sample(after, 'livehub_log_head')).toBe(4);
    expect(sample(after, 'livehub_log_store_head')).toBe(4);
    expect(sample(after, 'livehub_log_floor')).toBe(2);
    expect(after).toMatch(/^livehub_outbound_queue_bytes \d+$/m);

    expect(sample(after, 'livehub_channel_subscriptions', { pattern: 'doc' })).toBe(2);
    expect(sample(after, 'livehub_channel_subscriptions', { pattern: 'doc:*' })).toBe(1);
    expect(sample(after, 'livehub_channel_subscriptions', { pattern: 'session:*' })).toBe(1);
    expect(sample(after, 'livehub_channel_subscriptions', { pattern: 'system' })).toBe(2);
    expect(sample(after, 'livehub_subscriptions')).toBe(2 + 3 + 60 + 1);
    // 64 patterns in all: 50 get a label, the rest count as `other`.
    const patterns = labelsOf(after, 'livehub_channel_subscriptions', 'pattern');
    expect(patterns).toHaveLength(51);
    expect(sample(after, 'livehub_channel_subscriptions', { pattern: 'other' })).toBe(64 - 50);

    live.close();
    replaying.close();
    await waitFor(async () => sample(await scrape(), 'livehub_channel_subscriptions', { pattern: 'doc' }) === 0, 'the subscriptions to go');
  });
});
