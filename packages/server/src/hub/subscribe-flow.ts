import { changeScope, isDurableChannel, type SubscribeMessage } from '@livehub/protocol';
import type { ChangeFilter, Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import { viewChange } from '../authz/change-view.js';
import { HubError } from '../errors.js';
import type { Subscription } from './subscription.js';

export interface SyncContext {
  store: Store;
  visibility: Visibility;
  /** Last seq this node has fanned out: replay covers up to it, the feed delivers what follows. */
  feedHead: number;
  pageSize: number;
  maxSnapshotRecords: number;
  onReplayed(n: number): void;
  /** Resolves when the subscriber's outbound backlog is low again (replay pages wait on it). */
  drained(): Promise<void>;
}

/**
 * Brings a freshly registered (syncing) subscription up to date, then makes it live. Live events
 * that arrive meanwhile wait in the subscription's buffer, and everything at or below its position
 * is dropped, so replay/snapshot + live has no gap and no duplicate, whatever interleaves.
 */
export async function syncSubscription(sub: Subscription, msg: SubscribeMessage, ctx: SyncContext): Promise<void> {
  const { channel } = sub;
  const epoch = ctx.store.epoch;
  const target = ctx.feedHead;

  if (!isDurableChannel(channel)) {
    // Ephemeral and system channels have no history: live from now.
    sub.position = target;
    sub.reply({ type: 'subscribed', id: msg.id, channel: channel.name, seq: target, epoch, replayed: 0, ...(msg.snapshot ? { snapshot: [] } : {}) });
    sub.goLive();
    return;
  }

  const filter: ChangeFilter = changeScope(channel);
  let reset = false;
  if (msg.since !== undefined) {
    const { floor, head } = await ctx.store.bounds();
    reset = (msg.epoch !== undefined && msg.epoch !== epoch) || msg.since < floor || msg.since > head;
    if (!reset) {
      await replay(sub, msg, ctx, filter, target);
      return;
    }
  }

  if (msg.snapshot) {
    if (channel.kind === 'all') throw new HubError('bad_request', `A snapshot is per collection or record; '*' has none`);
    // Under a read rule, what it implies (`owner = sub`) is filtered in the store, so only the
    // reader's records count towards the snapshot bound; the rest of the rule is checked here.
    const snap = await ctx.store.snapshot(channel.collection, channel.kind === 'record' ? channel.id : undefined, ctx.maxSnapshotRecords, sub.view?.eq);
    if (snap.truncated) throw new HubError('snapshot_too_large', `'${channel.name}' has more than ${ctx.maxSnapshotRecords} records; page it over HTTP`);
    sub.position = snap.seq;
    const view = sub.view;
    const snapshot = (view ? snap.records.filter((r) => view.test(r)) : snap.records).map((r) => ctx.visibility.record(r));
    sub.reply({
      type: 'subscribed',
      id: msg.id,
      channel: channel.name,
      seq: snap.seq,
      epoch,
      replayed: 0,
      snapshot,
      ...(reset ? { reset: true as const } : {}),
    });
  } else {
    sub.position = target;
    sub.reply({ type: 'subscribed', id: msg.id, channel: channel.name, seq: target, epoch, replayed: 0, ...(reset ? { reset: true as const } : {}) });
  }
  sub.goLive();
}

async function replay(sub: Subscription, msg: SubscribeMessage, ctx: SyncContext, filter: ChangeFilter, target: number): Promise<void> {
  const since = msg.since!;
  const upTo = Math.max(since, target);
  // Under a record rule the reader gets only the changes its view admits: counted by a first
  // pass, since the client finishes its replay by that count.
  const count = since >= target ? 0 : sub.view ? await countVisible(sub, ctx, filter, since, target) : await ctx.store.countChanges(since, target, filter);
  sub.position = since;
  sub.reply({ type: 'subscribed', id: msg.id, channel: sub.channel.name, seq: upTo, epoch: ctx.store.epoch, replayed: count });
  let sent = 0;
  let from = since;
  while (sent < count && sub.state === 'syncing') {
    const page = await ctx.store.changesSince(from, filter, ctx.pageSize, target);
    // Replays pin compaction on this node; another node's compaction could still overtake one.
    // A filtered page cannot show the hole, the floor can: refuse rather than skip silently.
    if ((await ctx.store.bounds()).floor > from) {
      throw new HubError('resync_required', `Changes after ${from} were compacted during the replay; subscribe again`);
    }
    if (page.length === 0) break;
    for (const c of page) {
      const event = ctx.visibility.changeEventFor(c, sub.channel.name, viewChange(c, sub.view));
      if (!event) continue;
      sub.replay(c.seq, JSON.stringify(event));
      sent++;
    }
    from = page[page.length - 1]!.seq;
    ctx.onReplayed(page.length);
    // Let the socket drain between pages: a 100k-change resume must not hold it all in memory.
    await ctx.drained();
  }
  // Position the stream at the replay target even if the last changes were on other channels.
  if (sub.position < upTo) sub.position = upTo;
  sub.goLive();
}

/** The changes of a replay the subscriber's view admits (the replay's `replayed` count). */
async function countVisible(sub: Subscription, ctx: SyncContext, filter: ChangeFilter, since: number, target: number): Promise<number> {
  let n = 0;
  for (let from = since; ;) {
    const page = await ctx.store.changesSince(from, filter, ctx.pageSize, target);
    for (const c of page) if (viewChange(c, sub.view) !== 'hidden') n++;
    if (page.length < ctx.pageSize) return n;
    from = page[page.length - 1]!.seq;
  }
}
