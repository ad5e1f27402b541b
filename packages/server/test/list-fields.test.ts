import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHub } from './helpers/hub-fixture.js';

// Data fields named like Object.prototype members are data fields: they filter and order like any
// other, and are never taken for a server column (which used to end in a 500).
describe('list fields named like Object.prototype members', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  beforeAll(async () => {
    hub = await startHub();
    await api(hub.url, 'POST', '/api/c/proto', { id: 'p1', constructor: 1, toString: 'b' });
    await api(hub.url, 'POST', '/api/c/proto', { id: 'p2', constructor: 2, toString: 'a' });
    await api(hub.url, 'POST', '/api/c/proto', { id: 'p3' });
  });
  afterAll(() => hub.cleanup());

  it('filters by them', async () => {
    const one = await api(hub.url, 'GET', '/api/c/proto?constructor=1');
    expect(one.status).toBe(200);
    expect(one.body.items.map((r: { id: string }) => r.id)).toEqual(['p1']);
    const absent = await api(hub.url, 'GET', '/api/c/proto?hasOwnProperty=null&order=id');
    expect(absent.body.items.map((r: { id: string }) => r.id)).toEqual(['p1', 'p2', 'p3']);
  });

  it('orders by them, nulls first', async () => {
    const res = await api(hub.url, 'GET', '/api/c/proto?order=toString');
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { id: string }) => r.id)).toEqual(['p3', 'p2', 'p1']);
  });
});
