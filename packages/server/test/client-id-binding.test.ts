import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { perTest } from './helpers/hub-fixture.js';
import { TestClient } from './helpers/ws-client.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const SECRET = 'client-id-binding-secret-client-id!';
const key = new TextEncoder().encode(SECRET);
const token = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(key);

const { hub, defer } = perTest();

async function connect(url: string, clientId: string, sub?: string): Promise<TestClient> {
  const c = await TestClient.connect(url, { clientId, ...(sub ? { query: `token=${await token(sub)}` } : {}) });
  defer(() => c.close());
  return c;
}
const welcomeId = (c: TestClient) => c.messages.find((m) => m.type === 'welcome')!.clientId;

describe('a clientId is bound to its principal', () => {
  it("gives bob a fresh id when he asks for alice's, and sendTo reaches alice only", async () => {
    const h = await hub({ auth: { secret: SECRET } });
    const alice = await connect(h.url, 'alice-tab-1', 'alice');
    expect(welcomeId(alice)).toBe('alice-tab-1');
    const bob = await connect(h.url, 'alice-tab-1', 'bob');
    const bobId = welcomeId(bob);
    expect(bobId).not.toBe('alice-tab-1');
    expect(h.hub.clients().find((c) => c.sub === 'bob')?.clientId).toBe(bobId);

    await h.sendTo('alice-tab-1', 'secret', { for: 'alice' });
    // Sent after on the same bus: once bob has this one, he would have had the first before it.
    await h.sendTo(String(bobId), 'marker', { for: 'bob' });
    await alice.waitFor((m) => m.type === 'event' && m.event === 'secret');
    await bob.waitFor((m) => m.type === 'event' && m.event === 'marker');
    expect(bob.events().some((e) => e.event === 'secret')).toBe(false);
  });

  it("keeps the id for the same principal's second tab, and frees it once alice is gone", async () => {
    const h = await hub({ auth: { secret: SECRET } });
    const tab1 = await connect(h.url, 'alice-tab-1', 'alice');
    const tab2 = await connect(h.url, 'alice-tab-1', 'alice');
    expect(welcomeId(tab2)).toBe('alice-tab-1');
    await h.sendTo('alice-tab-1', 'both', {});
    await tab1.waitFor((m) => m.type === 'event' && m.event === 'both');
    await tab2.waitFor((m) => m.type === 'event' && m.event === 'both');
    tab1.close();
    tab2.close();
    await tab1.closed();
    await tab2.closed();
    await waitFor(() => h.hub.clients().length === 0, 'every session to be gone', 5000);
    const bob = await connect(h.url, 'alice-tab-1', 'bob');
    expect(welcomeId(bob)).toBe('alice-tab-1');
  });

  it('grants ids as asked on a hub without auth (everyone is anonymous)', async () => {
    const h = await hub();
    const a = await connect(h.url, 'shared-1');
    const b = await connect(h.url, 'shared-1');
    expect(welcomeId(a)).toBe('shared-1');
    expect(welcomeId(b)).toBe('shared-1');
    await h.sendTo('shared-1', 'hello', {});
    await a.waitFor((m) => m.type === 'event' && m.event === 'hello');
    await b.waitFor((m) => m.type === 'event' && m.event === 'hello');
  });
});
