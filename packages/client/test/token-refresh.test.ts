import { afterEach, describe, expect, it } from 'vitest';
import { startHub } from '../../server/test/helpers/hub-fixture.js';
import { HubError, type Authenticator } from '../../server/src/index.js';
import { createClient, type GetTokenContext, type LivehubClient } from '../src/index.js';
import { record } from './helpers/recorder.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

let issued = 0;
/** A JWT-shaped token (the client reads `exp` from it); the test authenticator below checks it. `jti` keeps each one distinct. */
function issue(sub: string, lifetimeS: number): string {
  const iat = Math.floor(Date.now() / 1000);
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub, iat, exp: iat + lifetimeS, jti: ++issued })}.test-signature`;
}

/** Short-lived tokens: the hub closes a connection 4401 when its principal's `exp` passes unrefreshed. */
const shortLived: Authenticator = {
  async authenticate(token) {
    if (token === undefined) throw new HubError('unauthenticated', 'A bearer token is required');
    const [, payload, sig] = token.split('.');
    if (!payload || sig !== 'test-signature') throw new HubError('unauthenticated', 'Token is not valid');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; exp: number };
    if (claims.exp * 1000 <= Date.now()) throw new HubError('unauthenticated', 'Token expired');
    return { sub: claims.sub, exp: claims.exp };
  },
};

/** Writes one record every `everyMs` until stopped; the writes go through the client's REST helpers (authenticated too). */
function writer(c: LivehubClient, everyMs: number) {
  let n = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped && n < 500) {
      await c.collection('item').create({ id: `i${n++}` });
      // Pacing, not waiting: spreads the writes over the token lifetimes.
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    get count() {
      return n;
    },
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

describe('token expiry mid-session (in-process hub with an expiring authenticator)', () => {
  it.each([['websocket'], ['sse']] as const)(
    'refreshes the token before exp on %s: no reconnect, no lost event',
    async (transport) => {
      const hub = await startHub({ authenticator: shortLived, heartbeatMs: 1000 });
      cleanups.push(() => hub.cleanup());
      const asked: GetTokenContext['reason'][] = [];
      const c = createClient({
        url: hub.url,
        transports: [transport],
        getToken: ({ reason }) => {
          asked.push(reason);
          return issue('ann', 3);
        },
        // 3 s tokens: refresh 1.5 s before exp.
        tokenRefresh: { lifetimeRatio: 0.5 },
      });
      cleanups.push(() => c.close());
      const states: string[] = [];
      c.on('state', (s) => states.push(s.to));
      const authed: unknown[] = [];
      c.on('message', (m) => m.type === 'authed' && authed.push(m));
      const sub = c.subscribe('item', { snapshot: true });
      const rec = record(sub);
      await sub.ready;

      const w = writer(c, 40);
      // Outlive the first token by far: three refreshes.
      await waitFor(() => asked.filter((r) => r === 'expiring').length >= 3, 'three refreshes', 15_000);
      await w.stop();
      // Each refresh on a WebSocket is answered by `authed`; the last may still be on its way.
      if (transport === 'websocket') await waitFor(() => authed.length >= asked.filter((r) => r === 'expiring').length, 'every refresh answered');
      // The HTTP API needs a token too: read the head through the client.
      const page = await c.collection('item').list({ limit: 1 });
      await waitFor(() => rec.seqs.at(-1) === page.seq, 'every write');
      expect(rec.seqs).toEqual(Array.from({ length: w.count }, (_, i) => i + 1));
      expect(asked[0]).toBe('connect');
      expect(asked.slice(1).every((r) => r === 'expiring')).toBe(true);
      // WebSocket: `auth` on the live socket, answered with `authed`. SSE: the stream reopens in place.
      if (transport === 'websocket') expect(authed.length).toBeGreaterThanOrEqual(2);
      expect(states).toEqual(['connected']);
      expect(c.reconnectAttempts).toBe(0);
    },
    30_000,
  );

  it('after a 4401 for an expired token, asks getToken for a fresh one, reconnects and resumes without a gap', async () => {
    const hub = await startHub({ authenticator: shortLived });
    cleanups.push(() => hub.cleanup());
    const asked: GetTokenContext['reason'][] = [];
    const c = createClient({
      url: hub.url,
      // The app declines to refresh ahead of time, so the hub ends the connection at exp.
      getToken: ({ reason }) => {
        asked.push(reason);
        return reason === 'expiring' ? undefined : issue('bob', 2);
      },
    });
    cleanups.push(() => c.close());
    const closes: number[] = [];
    c.on('reconnect', (r) => closes.push(r.code));
    const sub = c.subscribe('item');
    const rec = record(sub);
    await sub.ready;
    const w = writer(c, 40);
    await waitFor(() => closes.length >= 1 && c.isConnected, 'a 4401 and a reconnect', 15_000);
    await w.stop();
    const page = await c.collection('item').list({ limit: 1 });
    await waitFor(() => rec.seqs.at(-1) === page.seq, 'every write');
    expect(closes[0]).toBe(4401);
    expect(asked).toContain('rejected');
    expect(rec.seqs).toEqual(Array.from({ length: w.count }, (_, i) => i + 1));
  }, 30_000);

  it('without getToken, a refused token closes the client for good', async () => {
    const hub = await startHub({ authenticator: shortLived });
    cleanups.push(() => hub.cleanup());
    const c = createClient({ url: hub.url, token: 'not-a-token', transports: ['websocket'] });
    cleanups.push(() => c.close());
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    await waitFor(() => c.state === 'closed', 'closed');
    expect(errors).toEqual(['unauthenticated']);
  });
});
