import { runTransportConformance, type Probe } from '@livehub/conformance';
import { startHub } from './helpers/hub-fixture.js';
import { SseTestClient } from './helpers/sse-client.js';
import { TestClient } from './helpers/ws-client.js';

const hubs = { start: () => startHub() };

runTransportConformance(
  'WebSocket',
  {
    async open(url, opts) {
      const c = await TestClient.connect(url);
      for (const channel of opts.channels) {
        c.send({
          type: 'subscribe',
          id: channel,
          channel,
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.epoch ? { epoch: opts.epoch } : {}),
          ...(opts.snapshot ? { snapshot: true } : {}),
        });
      }
      const probe: Probe = {
        messages: c.messages,
        waitFor: (pred, timeoutMs) => c.waitFor(pred, { timeoutMs }),
        ended: (timeoutMs) => c.closed(timeoutMs),
        close: () => c.close(),
      };
      return probe;
    },
  },
  hubs,
);

runTransportConformance(
  'SSE',
  {
    async open(url, opts) {
      const q = new URLSearchParams({ channels: opts.channels.join(',') });
      if (opts.since !== undefined) q.set('since', String(opts.since));
      if (opts.epoch) q.set('epoch', opts.epoch);
      if (opts.snapshot) q.set('snapshot', '1');
      const c = await SseTestClient.open(`${url}/api/events?${q}`);
      const probe: Probe = {
        messages: c.messages,
        waitFor: (pred, timeoutMs) => c.waitFor(pred, { timeoutMs }),
        async ended(timeoutMs) {
          await c.endedPromise(timeoutMs);
          return Number(c.messages.at(-1)?.closeCode ?? -1);
        },
        close: () => c.close(),
      };
      return probe;
    },
  },
  hubs,
);
