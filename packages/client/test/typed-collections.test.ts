import { defineCollections, type LiveRecord } from '@livehub/protocol';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { startHub } from '../../server/test/helpers/hub-fixture.js';
import { createClient, isLivehubError, type Collection, type LivehubClient } from '../src/index.js';

// The record types below are checked by `npm run typecheck` (tsc over the tests); the run checks
// that the same declarations drive the hub: its validation, its private fields.

/** The shared module of an app: the hub's config and the client both use it. */
const collections = defineCollections({
  agent: {
    schema: z.object({ name: z.string().min(1), status: z.enum(['idle', 'busy']), apiKey: z.string().optional() }),
    payload: 'diff',
    private: ['apiKey'],
  },
  note: { schema: { type: 'object', properties: { text: { type: 'string' } } } },
});

type Agent = { name: string; status: 'idle' | 'busy' };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('defineCollections: one declaration for the hub and the client', () => {
  it('types the client by the schema the hub validates with, without the private fields the hub never sends', async () => {
    const hub = await startHub({ collections });
    cleanups.push(() => hub.cleanup());
    const client = createClient<typeof collections>({ url: hub.url, autoConnect: false });
    cleanups.push(() => client.close());

    const agents = client.collection('agent');
    expectTypeOf(agents).toEqualTypeOf<Collection<Agent>>();
    // A JSON Schema says nothing to the type system; an undeclared name takes the type you give.
    expectTypeOf(client.collection('note')).toEqualTypeOf<Collection<Record<string, unknown>>>();
    expectTypeOf(client.collection<{ n: number }>('other')).toEqualTypeOf<Collection<{ n: number }>>();
    // A typed client is still a client: a provider or a helper that takes any client takes it.
    expectTypeOf(client).toExtend<LivehubClient>();

    const created = await agents.create({ name: 'scout', status: 'idle' });
    expectTypeOf(created).toEqualTypeOf<LiveRecord<Agent>>();
    expect(created).toMatchObject({ name: 'scout', status: 'idle', version: 1 });

    // The hub holds the schema too: what the types refuse, it refuses.
    // @ts-expect-error 'asleep' is not a status
    const refused = await agents.create({ name: 'scout', status: 'asleep' }).catch((e: unknown) => e);
    expect(isLivehubError(refused) && refused.code).toBe('validation_failed');

    // A private field may be written (cast: the client type leaves it out) and is never read back.
    const withKey = await agents.create({ name: 'keeper', status: 'busy', apiKey: 'k-1' } as Agent);
    expect(withKey).not.toHaveProperty('apiKey');
    expect((await agents.get(withKey.id)).name).toBe('keeper');
  });
});
