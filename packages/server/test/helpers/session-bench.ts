import { pino } from 'pino';
import { AdminCheck } from '../../src/admin-check.js';
import { Authorizer } from '../../src/authz/authorizer.js';
import { anonymousAuthenticator, type Authenticator } from '../../src/auth.js';
import { CollectionRegistry } from '../../src/config/collection-config.js';
import { ChannelIndex } from '../../src/hub/channel-index.js';
import { OutboundBudget } from '../../src/hub/outbound-budget.js';
import { resolveOptions } from '../../src/options.js';
import { Session, type SessionConfig } from '../../src/hub/session.js';
import { HubMetrics } from '../../src/metrics.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Change } from '../../src/store/store.js';
import { Visibility } from '../../src/visibility.js';
import { FakeSink } from './fake-sink.js';

const prepare = <T>(d: T): T => d;

/**
 * One session on a fake sink over a real in-memory store: no socket, no hub process. The test
 * plays the node's part (`head`, `publish`) and reads what was written from `sink`.
 */
export async function sessionBench(opts: { config?: Partial<SessionConfig>; authenticator?: Authenticator } = {}) {
  const store = new SqliteStore({ file: ':memory:', durability: 'normal' });
  const index = new ChannelIndex();
  const metrics = new HubMetrics();
  const published: Array<{ channel: string; event: string; data: unknown }> = [];
  let head = 0;
  let ids = 0;
  const sink = new FakeSink();
  const config: SessionConfig = {
    maxQueueBytes: 1 << 24,
    maxBadFrames: 3,
    maxJsonDepth: 64,
    maxSnapshotRecords: 1000,
    replayPageSize: 100,
    limits: resolveOptions().limits,
    ...opts.config,
  };
  const session = new Session(
    sink,
    { connId: 1, reqId: 'req-1', clientId: 'c1', transport: 'websocket', remote: 'test', userAgent: undefined },
    { sub: 'anonymous' },
    {
      store,
      visibility: new Visibility(new CollectionRegistry({}, false)),
      authenticator: opts.authenticator ?? anonymousAuthenticator,
      authz: new Authorizer(
        resolveOptions().authorization,
        new AdminCheck(opts.authenticator !== undefined, { adminClaim: 'role', adminValues: ['admin'] }),
        pino({ level: 'silent' }),
      ),
      metrics,
      log: pino({ level: 'silent' }),
      config,
      index,
      budget: new OutboundBudget(Number.MAX_SAFE_INTEGER, () => undefined),
      head: () => head,
      publish: async (channel, event, data) => void published.push({ channel, event, data }),
      watchReady: () => undefined,
    },
  );
  return {
    store,
    index,
    metrics,
    sink,
    session,
    published,
    /** Writes `n` records to `collection` and moves the node's head past them (as the feed would). */
    async write(collection: string, n: number): Promise<Change[]> {
      const out: Change[] = [];
      for (let i = 0; i < n; i++)
        out.push(await store.mutate({ op: 'create', collection, id: `${collection}-${++ids}`, data: { i }, prepare, keepPrevious: false }));
      head = out.at(-1)?.seq ?? head;
      return out;
    },
    frame: (m: unknown) => session.receive(typeof m === 'string' ? m : JSON.stringify(m), false),
  };
}
