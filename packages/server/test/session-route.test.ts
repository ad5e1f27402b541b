import { PROTOCOL_VERSION, type SessionResponse } from '@livehub/protocol';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { SECRET, token } from './helpers/authz-fixture.js';
import { api, perTest } from './helpers/hub-fixture.js';

const { hub } = perTest();

describe('GET /api/session: the welcome of a client without a connection (long-poll)', () => {
  it("says what a WebSocket's welcome says: the log's epoch and head, the hub, the protocol; echoes a valid clientId", async () => {
    const h = await hub();
    await api(h.url, 'POST', '/api/c/agent', { name: 'scout' });
    const health = (await api(h.url, 'GET', '/healthz')).body as { epoch: string; seq: number };
    const res = await api(h.url, 'GET', '/api/session', undefined, { 'x-client-id': 'tab-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      clientId: 'tab-1',
      epoch: health.epoch,
      seq: health.seq,
      heartbeatMs: 0,
      server: `livehub/${VERSION}`,
      protocol: PROTOCOL_VERSION,
    } satisfies SessionResponse);
    // A missing or malformed id gets a fresh one, as on the other transports.
    expect((await api(h.url, 'GET', '/api/session', undefined, { 'x-client-id': 'bad id!' })).body.clientId).toMatch(/^c-[0-9a-z]{12}$/);
  });

  it('is authenticated like the rest of /api: 401 without a token, 200 with one', async () => {
    const h = await hub({ auth: { secret: SECRET } });
    expect((await api(h.url, 'GET', '/api/session')).status).toBe(401);
    expect((await api(h.url, 'GET', '/api/session', undefined, { authorization: `Bearer ${await token('alice')}` })).status).toBe(200);
  });
});
