import { SignJWT } from 'jose';
import type { HubOptions } from '../../src/index.js';
import { api } from './hub-fixture.js';
import { SseTestClient } from './sse-client.js';
import { TestClient } from './ws-client.js';

/**
 * The users of the authorization suites (authz-*.test.ts): alice and bob, each owning their own
 * `agent` records and `session:<sub>:*` channels, and an admin who passes every rule.
 */
export const SECRET = 'authz-suite-secret-authz-suite-secret!';
const key = new TextEncoder().encode(SECRET);

export async function token(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(key);
}

export const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

const own = { field: 'owner', eq: '{sub}' } as const;

/** The spec's example: each user reads, updates and deletes only the agents they own; `owner` is set by the hub. */
export const OWNED_AGENTS = { read: own, create: true, update: own, delete: own, set: { owner: '{sub}' } };

export const RULES = {
  collections: { agent: OWNED_AGENTS },
  channels: { 'session:{sub}:*': { subscribe: true, publish: true } },
} satisfies NonNullable<HubOptions['authorization']>;

/** Hub options with auth on and `authorization` (default: RULES) merged with `extra`. */
export function authzOptions(authorization: HubOptions['authorization'] = RULES, extra: HubOptions = {}): HubOptions {
  return { auth: { secret: SECRET }, authorization, ...extra };
}

/** One principal's handles on a hub: its token, REST calls, and WS / SSE connections (closed by `defer`). */
export interface Actor {
  sub: string;
  token: string;
  headers: Record<string, string>;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): ReturnType<typeof api>;
  /** Creates an agent record as this actor; resolves with the stored record (201 asserted). */
  agent(id: string, data?: Record<string, unknown>): Promise<Record<string, unknown>>;
  ws(opts?: { clientId?: string }): Promise<TestClient>;
  sse(query: string): Promise<SseTestClient>;
}

export async function actor(base: string, sub: string, defer: (fn: () => void | Promise<void>) => void, claims: Record<string, unknown> = {}): Promise<Actor> {
  const t = await token(sub, claims);
  const headers = bearer(t);
  const call: Actor['call'] = (method, path, body, more = {}) => api(base, method, path, body, { ...headers, ...more });
  return {
    sub,
    token: t,
    headers,
    call,
    async agent(id, data = {}) {
      const res = await call('POST', '/api/c/agent', { id, ...data });
      if (res.status !== 201) throw new Error(`${sub} could not create agent ${id}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Record<string, unknown>;
    },
    async ws(opts = {}) {
      const c = await TestClient.connect(base, { ...opts, query: `token=${t}` });
      defer(() => c.close());
      return c;
    },
    async sse(query) {
      const c = await SseTestClient.open(`${base}/api/events?${query}&token=${t}`);
      defer(() => c.close());
      return c;
    },
  };
}

/** alice, bob and an admin (claim `role: admin`) on one hub. */
export async function cast(base: string, defer: (fn: () => void | Promise<void>) => void): Promise<{ alice: Actor; bob: Actor; admin: Actor }> {
  return {
    alice: await actor(base, 'alice', defer),
    bob: await actor(base, 'bob', defer),
    admin: await actor(base, 'root', defer, { role: 'admin' }),
  };
}

/** Ids of the record events a client got, in order (`agent.created:a1`). */
export function recordEvents(events: Array<{ event: string; data: Record<string, unknown> }>): string[] {
  return events.filter((e) => typeof e.data?.id === 'string').map((e) => `${e.event}:${String(e.data.id)}`);
}
