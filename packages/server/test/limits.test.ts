import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { CloseCode, SUBPROTOCOL } from '@livehub/protocol';
import { api, perTest } from './helpers/hub-fixture.js';
import { SseTestClient } from './helpers/sse-client.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { wsText } from '../../../test/helpers/ws-text.js';

const SECRET = 'limits-secret-limits-secret-limits!!';
const token = (sub: string): Promise<string> =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(SECRET));

/** A WebSocket that may be refused before its welcome: resolves with the welcome or the close code. */
function attempt(url: string, query = ''): Promise<{ welcomed: boolean; code?: number; reason?: string; ws: WebSocket }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws' + query, SUBPROTOCOL);
  ws.on('error', () => undefined);
  return new Promise((resolve) => {
    ws.on('message', (d) => {
      if ((JSON.parse(wsText(d)) as { type?: string }).type === 'welcome') resolve({ welcomed: true, ws });
    });
    ws.on('close', (code, reason) => resolve({ welcomed: false, code, reason: reason.toString(), ws }));
  });
}

describe('limits', () => {
  const { hub, defer } = perTest();
  const client = async (url: string, query?: string): Promise<TestClient> => {
    const c = await TestClient.connect(url, query ? { query } : {});
    defer(() => c.ws.terminate());
    return c;
  };

  it('refuses a subscription over maxSubscriptionsPerConnection and the connection stays usable', async () => {
    // `system` is one of the three.
    const { url } = await hub({ limits: { maxSubscriptionsPerConnection: 3 } });
    const c = await client(url);
    await c.subscribe('note');
    await c.subscribe('session:1');
    c.send({ type: 'subscribe', id: 'over', channel: 'session:2' });
    const refused = await c.waitFor((m) => m.id === 'over');
    expect(refused).toMatchObject({ type: 'error', code: 'too_many_subscriptions' });
    // Re-subscribing a held channel is a replacement, not one more.
    await c.subscribe('note');
    c.send({ type: 'unsubscribe', id: 'u', channel: 'session:1' });
    await c.waitFor((m) => m.type === 'unsubscribed' && m.id === 'u');
    await c.subscribe('session:2');
    await api(url, 'POST', '/api/c/note', { id: 'n1', text: 'still here' });
    await c.waitFor((m) => m.type === 'event' && m.channel === 'note');
    expect(c.closeCode).toBeUndefined();
  });

  it('holds maxConnectionsPerAddress on WebSocket (4429) and SSE (429), and frees a slot on close', async () => {
    const { url, hub: node } = await hub({ limits: { maxConnectionsPerAddress: 2 } });
    const first = await client(url);
    await client(url);
    const ws = await attempt(url);
    expect(ws).toMatchObject({ welcomed: false, code: CloseCode.TooManyConnections });
    expect(ws.reason).toMatch(/connections from this address/);
    const sse = await SseTestClient.open(`${url}/api/events?channels=note`);
    expect(sse.status).toBe(429);
    expect(JSON.parse(String(sse.messages[0]!.body))).toMatchObject({ error: { code: 'too_many_connections' } });
    expect(node.connectionCount).toBe(2);

    first.ws.close();
    await waitFor(() => node.connectionCount === 1, 'the closed connection to leave');
    const again = await attempt(url);
    defer(() => again.ws.terminate());
    expect(again.welcomed).toBe(true);
  });

  it('holds maxConnectionsPerPrincipal per token sub; other principals still connect', async () => {
    const { url } = await hub({ auth: { secret: SECRET }, limits: { maxConnectionsPerPrincipal: 2 } });
    const alice = `?token=${await token('alice')}`;
    await client(url, alice.slice(1));
    await client(url, alice.slice(1));
    const third = await attempt(url, alice);
    expect(third).toMatchObject({ welcomed: false, code: CloseCode.TooManyConnections });
    expect(third.reason).toMatch(/connections of this principal/);
    const sse = await SseTestClient.open(`${url}/api/events?channels=note&token=${await token('alice')}`);
    expect(sse.status).toBe(429);
    const bob = await attempt(url, `?token=${await token('bob')}`);
    defer(() => bob.ws.terminate());
    expect(bob.welcomed).toBe(true);
  });

  it('closes a flooding connection with 1008 while a bystander receives every event', async () => {
    const { url, hub: node } = await hub({ limits: { messagesPerSecond: 10, messageBurst: 20 } });
    const bystander = await client(url);
    await bystander.subscribe('session:b');
    const flooder = await client(url);
    for (let i = 0; i < 500; i++) flooder.send({ type: 'ping', id: i });
    expect(await flooder.closed()).toBe(CloseCode.Policy);
    expect(flooder.closeReason).toBe('message rate over limit');
    // The burst was served before the close.
    expect(flooder.messages.filter((m) => m.type === 'pong').length).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) await node.publish('session:b', 'tick', { i });
    await bystander.until((all) => all.filter((m) => m.type === 'event' && m.event === 'tick').length === 50);
    expect(bystander.events('session:b').map((e) => e.data.i)).toEqual([...Array(50).keys()]);
    expect(bystander.closeCode).toBeUndefined();
  });
});
