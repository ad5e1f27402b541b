import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHub } from './helpers/hub-fixture.js';

// The `id` a create body carries: text, or a number as its decimal text; never an object or array.
describe('a record id given in the create body', () => {
  let hub: Awaited<ReturnType<typeof startHub>>;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub.cleanup());

  it('takes a number as its decimal text', async () => {
    const res = await api(hub.url, 'POST', '/api/c/task', { id: 42, title: 'n' });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('42');
  });

  it('refuses an array or an object with 400 invalid_id, and stores nothing', async () => {
    for (const id of [['abc'], { v: 'abc' }]) {
      const res = await api(hub.url, 'POST', '/api/c/task', { id, title: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_id');
    }
    expect((await api(hub.url, 'GET', '/api/c/task/abc')).status).toBe(404);
  });
});
