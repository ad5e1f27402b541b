import { afterEach, describe, expect, it } from 'vitest';
import { api, startHub } from '../../server/test/helpers/hub-fixture.js';
import { createClient } from '../src/index.js';
import { record } from './helpers/recorder.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('resync_required (two real hubs on one database)', () => {
  it('a subscription whose changes another node compacted away re-subscribes by itself and resets once, with a snapshot', async () => {
    // Hub A serves the client and only learns of B's writes by polling the log; hub B writes and
    // compacts down to one change, so A finds a hole and ends its durable subscriptions.
    const a = await startHub({ feedPollMs: 200 });
    cleanups.push(() => a.cleanup());
    const b = await startHub({ db: a.dbFile, retention: { maxChanges: 1, intervalMs: 10 } });
    cleanups.push(() => b.stop());

    const c = createClient({ url: a.url });
    cleanups.push(() => c.close());
    const sub = c.subscribe('item', { snapshot: true });
    const rec = record(sub);
    const states: string[] = [];
    sub.on('state', (s) => states.push(`${s.to}:${s.reason}`));
    const errors: string[] = [];
    c.on('message', (m) => m.type === 'error' && errors.push(m.code));
    await sub.ready;

    for (let i = 0; i < 20; i++) await api(b.url, 'POST', '/api/c/item', { id: `i${String(i).padStart(2, '0')}` });
    // A may find the hole once or, if it polls mid-way, more than once: each time it is one reset.
    await waitFor(() => rec.resets.length >= 2 && rec.state.size === 20, 'the reset after resync_required, and every record', 15_000);
    expect(errors).toContain('resync_required');
    expect(rec.resets.slice(1).every((r) => r.reason === 'position_lost' && r.snapshot !== undefined)).toBe(true);
    expect(states[0]).toBe('subscribed:subscribed');
    expect(states.slice(1)).toEqual(states.slice(1).map((_, i) => (i % 2 === 0 ? 'resyncing:resync_required' : 'subscribed:subscribed')));
    expect(sub.state).toBe('subscribed');
    expect(c.state).toBe('connected');

    await api(b.url, 'PATCH', '/api/c/item/i05', { n: 1 });
    await waitFor(() => rec.seqs.includes(21), 'the next change, live again');
    expect(rec.state.get('i05')!.version).toBe(2);
    expect(rec.state.size).toBe(20);
  }, 30_000);
});
