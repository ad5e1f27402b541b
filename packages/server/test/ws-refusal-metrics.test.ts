import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { CloseCode, SUBPROTOCOL } from '@livehub/protocol';
import { api, perTest } from './helpers/hub-fixture.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const SECRET = 'test-secret-test-secret-test-secret!';

/** `livehub_disconnects_total{code="…"}` as read from /metrics (0 when the series is absent). */
async function disconnects(base: string, code: number): Promise<number> {
  const text = (await api(base, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`livehub_disconnects_total{code="${code}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

function closeCodeOf(url: string): Promise<number> {
  const ws = new WebSocket(url, SUBPROTOCOL);
  ws.on('error', () => undefined);
  return new Promise((resolve) => ws.on('close', (code) => resolve(code)));
}

describe('refusals before welcome', () => {
  const { hub } = perTest();

  it('counts every 4401 refusal in livehub_disconnects_total{code="4401"}', async () => {
    const h = await hub({ auth: { secret: SECRET }, authTimeoutMs: 200 });
    const ws = h.url.replace(/^http/, 'ws') + '/ws';
    expect(await disconnects(h.url, CloseCode.Unauthenticated)).toBe(0);
    // A forged token on the upgrade; no token and no auth frame (timeout); a first frame that is not auth.
    expect(await closeCodeOf(`${ws}?token=forged`)).toBe(CloseCode.Unauthenticated);
    expect(await closeCodeOf(ws)).toBe(CloseCode.Unauthenticated);
    const chatty = new WebSocket(ws, SUBPROTOCOL);
    const chattyClosed = new Promise<number>((resolve) => chatty.on('close', (code) => resolve(code)));
    chatty.on('open', () => chatty.send(JSON.stringify({ type: 'ping' })));
    expect(await chattyClosed).toBe(CloseCode.Unauthenticated);
    await waitFor(async () => (await disconnects(h.url, CloseCode.Unauthenticated)) === 3, 'three 4401s in /metrics', 2000).catch(() => undefined);
    expect(await disconnects(h.url, CloseCode.Unauthenticated)).toBe(3);
    // None of them was ever a connection.
    expect(h.hub.connectionCount).toBe(0);
  });
});
