import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/hub/registry.js';
import { sessionBench } from '../helpers/session-bench.js';
import { waitFor } from '../../../../test/helpers/wait-for.js';

describe('Registry', () => {
  it('resolves whenEmpty when the last session leaves, not before (shutdown waits on it, no polling)', async () => {
    const registry = new Registry();
    await registry.whenEmpty(); // empty: at once
    const [a, b] = await Promise.all([sessionBench(), sessionBench()]);
    registry.add(a.session);
    registry.add(b.session);
    let empty = false;
    const p = registry.whenEmpty().then(() => (empty = true));
    expect(registry.remove(a.session)).toBe(true);
    expect(registry.remove(a.session)).toBe(false);
    await Promise.resolve();
    expect(empty).toBe(false);
    registry.remove(b.session);
    await p;
    expect(registry.size).toBe(0);
  });

  it('finds sessions by clientId and takes the lowest position a replay still needs', async () => {
    const registry = new Registry();
    const b = await sessionBench();
    registry.add(b.session);
    expect([...registry.ofClient('c1')]).toEqual([b.session]);
    expect([...registry.ofClient('other')]).toEqual([]);
    expect(registry.lowWaterMark(42)).toBe(42);
    // A second session whose replay is parked at seq 10 (its peer does not read).
    const slow = await sessionBench({ config: { replayPageSize: 10 } });
    await slow.write('task', 35);
    slow.sink.bufferedAmount = 2 * 1024 * 1024;
    void slow.session.subscribe({ type: 'subscribe', id: 1, channel: 'task', since: 0 });
    await waitFor(() => slow.session.subs.get('task')?.position === 10, 'the first replay page');
    registry.add(slow.session);
    expect(registry.lowWaterMark(42)).toBe(10);
    slow.session.dispose();
  });

  it("tells its listener of a clientId's first session and its last (what a node watches for sendTo)", async () => {
    const heard: string[] = [];
    const registry = new Registry({ channel: () => undefined, client: (id, watched) => void heard.push(`${watched ? '+' : '-'}${id}`) });
    const [a, b] = await Promise.all([sessionBench(), sessionBench()]);
    registry.add(a.session);
    registry.add(b.session);
    expect(heard).toEqual(['+c1']);
    registry.remove(a.session);
    expect(heard).toEqual(['+c1']);
    registry.remove(b.session);
    expect(heard).toEqual(['+c1', '-c1']);
  });
});
