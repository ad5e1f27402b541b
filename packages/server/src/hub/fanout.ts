import { ALL_CHANNEL, SYSTEM_CHANNEL, channelsForRecord } from '@livehub/protocol';
import { viewChange, type ChangeView } from '../authz/change-view.js';
import type { EphemeralEvent } from '../bus/bus.js';
import { matches } from '../collections/changes-reader.js';
import type { HubMetrics } from '../metrics.js';
import type { Change, ChangeFilter } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import type { RateTracker } from './rate-tracker.js';
import type { Registry } from './registry.js';

/**
 * The `event` message of an ephemeral event, spliced around its already-encoded data: publishing
 * costs one JSON encode of the data whatever the number of subscribers, taps included.
 */
export function ephemeralFrame(e: EphemeralEvent, channel: string, via?: string): string {
  const head = `{"type":"event","channel":${JSON.stringify(channel)},"event":${JSON.stringify(e.event)},"timestamp":${JSON.stringify(e.timestamp)}`;
  return `${head}${via === undefined ? '' : `,"via":${JSON.stringify(via)}`},"data":${e.dataJson}}`;
}

interface Waiter {
  filters: readonly ChangeFilter[];
  wake: () => void;
}

/**
 * Delivery: each change and ephemeral event to the subscriptions the registry indexes for it,
 * encoded once per channel; and the long-polls waiting for a change.
 */
export class Fanout {
  /** Long-polls waiting for a change (empty filter list: any change). */
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly registry: Registry,
    private readonly visibility: Visibility,
    private readonly metrics: HubMetrics,
    private readonly rates: RateTracker,
  ) {}

  /** A promise woken by the first change matching `filters`, by `ms`, by `signal`, or by `wakeAll`. */
  waitForChange(filters: readonly ChangeFilter[], ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        filters,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      signal?.addEventListener('abort', waiter.wake);
      this.waiters.add(waiter);
    });
  }

  /** Answers every long-poll now (shutdown). */
  wakeAll(): void {
    for (const w of this.waiters) w.wake();
  }

  change(change: Change): void {
    this.metrics.changes.inc();
    this.metrics.logHead.set(change.seq);
    for (const w of this.waiters) if (w.filters.length === 0 || w.filters.some((f) => matches(change, f))) w.wake();
    let delivered = 0;
    for (const channel of [...channelsForRecord(change.collection, change.id), ALL_CHANNEL]) {
      const subs = this.registry.index.get(channel);
      if (!subs) continue;
      // Encoded once per channel and view, the same string goes to every subscriber that sees it so.
      let plain: string | undefined;
      let viewed: Map<ChangeView, string | undefined> | undefined;
      for (const sub of subs) {
        let frame: string | undefined;
        if (sub.view === undefined) {
          frame = plain ??= JSON.stringify(this.visibility.changeEvent(change, channel));
        } else {
          // A subscriber under a record rule: this change may enter, leave or miss its view.
          const view = viewChange(change, sub.view);
          viewed ??= new Map();
          frame = viewed.get(view);
          if (frame === undefined && !viewed.has(view)) {
            const event = this.visibility.changeEventFor(change, channel, view);
            frame = event && JSON.stringify(event);
            viewed.set(view, frame);
          }
        }
        if (frame === undefined) continue;
        sub.deliver(change.seq, frame);
        delivered++;
      }
    }
    this.metrics.deliveries.inc(delivered);
    this.rates.countEvent(delivered);
  }

  ephemeral(e: EphemeralEvent): void {
    this.metrics.ephemeral.inc();
    const frame = ephemeralFrame(e, e.channel);
    let delivered = 0;
    if (e.clientId !== undefined) {
      // Only the holder's sessions: a clientId is bound to its principal (Registry.holderOf).
      for (const session of this.registry.ofClientHolder(e.clientId)) {
        session.sendFrame(frame);
        delivered++;
      }
    } else {
      const subs = this.registry.index.get(e.channel);
      if (subs) {
        for (const sub of subs) {
          if (!sub.ephemeral) continue;
          sub.deliver(undefined, frame);
          delivered++;
        }
      }
      const taps = e.channel === SYSTEM_CHANNEL ? undefined : this.registry.index.get(ALL_CHANNEL);
      if (taps) {
        const tapFrame = ephemeralFrame(e, ALL_CHANNEL, e.channel);
        for (const sub of taps) sub.deliver(undefined, tapFrame);
        delivered += taps.size;
      }
    }
    this.metrics.deliveries.inc(delivered);
    this.rates.countEvent(delivered);
  }
}
