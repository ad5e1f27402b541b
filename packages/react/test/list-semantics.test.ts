import { compareRecords, matchesWhere, parseOrder } from '@livehub/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startLiveHub, type LiveHub } from './helpers/live-hub.js';

// The browser places change events in cached pages by replaying the hub's filters and order; any
// difference would show as a record in the wrong place. So: the same records, both ways, compared.
const values: unknown[] = [null, 0, 1, -2.5, 10, true, false, '', '10', '9', 'a', 'B', 'é', '😀', 'ｚ', { k: 1 }, [1, 2]];

let hub: LiveHub;
beforeAll(async () => {
  hub = await startLiveHub();
  let i = 0;
  for (const v of values) {
    await http(hub.url, 'POST', '/api/c/mixed', { id: `m${String(i).padStart(2, '0')}`, v, meta: { v }, group: i % 3 });
    i++;
  }
  await http(hub.url, 'POST', '/api/c/mixed', { id: 'none', group: 1 });
  await http(hub.url, 'POST', '/api/c/mixed', { id: 'dup', v: 1, group: 2 });
});
afterAll(async () => {
  await hub?.cleanup();
});

async function hubList(query: string): Promise<Record<string, unknown>[]> {
  return (await http(hub.url, 'GET', `/api/c/mixed?limit=1000&${query}`)).items;
}

describe('list filters and order replayed in the browser match the hub', () => {
  for (const order of ['v', '-v', 'meta.v', '-meta.v', 'id', '-createdAt', 'version', 'group', '-group']) {
    it(`order=${order}`, async () => {
      const fromHub = await hubList(`order=${encodeURIComponent(order)}`);
      const local = [...fromHub].sort(() => Math.random() - 0.5).sort((a, b) => compareRecords(a, b, parseOrder(order)));
      expect(local.map((r) => r.id)).toEqual(fromHub.map((r) => r.id));
    });
  }

  const filters: Record<string, string | number | boolean | null>[] = [
    { v: 1 },
    { v: true },
    { v: false },
    { v: 0 },
    { v: '10' },
    { v: 10 },
    { v: null },
    { v: 'é' },
    { 'meta.v': 1 },
    { v: '[1,2]' },
    { group: 1, v: null },
    { id: 'dup' },
    { version: 1 },
  ];
  for (const where of filters) {
    it(`where ${JSON.stringify(where)}`, async () => {
      // The client's encoding of filter values (strings that look like JSON are quoted).
      const q = Object.entries(where)
        .map(([k, v]) => {
          const raw = typeof v === 'string' ? (/^(-?\d|true$|false$|null$|"|\[|\{)/.test(v) ? JSON.stringify(v) : v) : String(v);
          return `${k}=${encodeURIComponent(raw)}`;
        })
        .join('&');
      const all = await hubList('order=id');
      const fromHub = await hubList(`order=id&${q}`);
      expect(all.filter((r) => matchesWhere(r, where)).map((r) => r.id)).toEqual(fromHub.map((r) => r.id));
    });
  }
});
