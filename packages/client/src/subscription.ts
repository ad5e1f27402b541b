import { type EventMessage, type LiveRecord, type RecordChangeData, type RequestId, type SubscribedMessage } from '@livehub/protocol/core';
import { Emitter } from './emitter.js';
import type { LivehubError } from './errors.js';
import { StateMachine, SUBSCRIPTION_TRANSITIONS, type StateChange, type SubscriptionState } from './state-machine.js';
import type { ChannelRequest } from './transports/transport.js';

export interface SubscribeOptions<D = unknown> {
  /**
   * Ask for the channel's records with the first `subscribed` (delivered as a `reset` with reason
   * `initial`), and again, automatically, whenever the hub can no longer resume the channel.
   * @default false
   */
  snapshot?: boolean;
  /**
   * Resume after this seq, e.g. `list().seq`: "list, then subscribe" with no gap.
   * @default undefined (live from now on)
   */
  since?: number;
  /**
   * The epoch `since` belongs to (`list().epoch`); a different hub epoch makes the hub answer `reset`.
   * @default the epoch of the current connection
   */
  epoch?: string;
  /** Shorthand for `sub.on('event', fn)`. */
  onEvent?: (event: EventMessage<D>) => void;
  /**
   * Only these event names reach `event` listeners (positions still advance past the others).
   * @default every event
   */
  events?: string[];
}

/** Why a `reset` was emitted. */
export type ResetReason = 'initial' | 'position_lost' | 'epoch_changed';

/** Replace your state: emitted once per reset, never on an ordinary reconnect. */
export interface ResetInfo<T extends object = Record<string, unknown>> {
  reason: ResetReason;
  /** The channel's records at `seq`, when the subscription asked for snapshots. */
  snapshot?: LiveRecord<T>[];
  /** Position the state is at: events that follow have higher seqs. */
  seq: number;
  epoch: string;
}

/** The record type of a subscription's snapshot: that of the records its change events carry (`subscribe<RecordChangeData<Agent>>`). */
export type SnapshotRecord<D> = D extends RecordChangeData<infer T> ? T : Record<string, unknown>;

export interface SubscriptionEvents<D> {
  event: EventMessage<D>;
  reset: ResetInfo<SnapshotRecord<D>>;
  state: StateChange<SubscriptionState>;
  error: LivehubError;
}

/** What a subscription needs from its client. */
export interface SubscriptionOwner {
  unsubscribe(sub: Subscription<unknown>): void;
  /** The client's current epoch (from `welcome`). */
  epoch(): string | undefined;
}

/**
 * One channel, gapless: remembers the last seq it delivered and the epoch, re-subscribes from there
 * after any reconnect, delivers every durable event exactly once in order (older or repeated seqs
 * are dropped), and passes ephemeral events (no seq) straight through.
 */
export class Subscription<D = unknown> {
  readonly channel: string;
  /** Resolves when the hub first confirms the subscription; rejects if it refuses or the subscription closes first. */
  readonly ready: Promise<void>;
  private readonly machine: StateMachine<SubscriptionState>;
  private readonly emitter = new Emitter<SubscriptionEvents<D>>();
  private readonly filter: ReadonlySet<string> | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;
  private pos: number | undefined;
  private ep: string | undefined;
  private replayLeft = 0;
  private replayEnd = 0;
  /** Id of the latest subscribe request; the client routes replies by it. */
  requestId: RequestId | undefined;

  constructor(
    channel: string,
    private readonly opts: SubscribeOptions<D>,
    private readonly owner: SubscriptionOwner,
  ) {
    this.channel = channel;
    this.filter = opts.events ? new Set(opts.events) : undefined;
    this.pos = opts.since;
    this.ep = opts.since !== undefined ? opts.epoch : undefined;
    this.machine = new StateMachine<SubscriptionState>('pending', SUBSCRIPTION_TRANSITIONS, (c) => this.emitter.emit('state', c));
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Apps that never await `ready` must not see an unhandled rejection.
    this.ready.catch(() => undefined);
    if (opts.onEvent) this.emitter.on('event', opts.onEvent);
  }

  get state(): SubscriptionState {
    return this.machine.state;
  }

  /** Seq of the last durable event delivered (or the position the subscription is known to be complete up to). */
  get position(): number | undefined {
    return this.pos;
  }

  /** Epoch of `position`. */
  get epoch(): string | undefined {
    return this.ep;
  }

  /** Replayed events still to come after the last `subscribed`. */
  get replaying(): number {
    return this.replayLeft;
  }

  on<K extends keyof SubscriptionEvents<D>>(event: K, fn: (payload: SubscriptionEvents<D>[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /** Stops delivery; final. */
  unsubscribe(): void {
    if (this.state === 'closed') return;
    this.owner.unsubscribe(this as unknown as Subscription<unknown>);
  }

  /* ---------- driven by the client ---------- */

  /** Where to resume from: the last delivered seq and its epoch. */
  resumePosition(): { since?: number; epoch?: string } {
    if (this.pos === undefined) return {};
    const epoch = this.ep ?? this.owner.epoch();
    return epoch !== undefined ? { since: this.pos, epoch } : { since: this.pos };
  }

  /** The subscribe request for a (re)connection or a resync. */
  request(id: RequestId): ChannelRequest {
    this.requestId = id;
    return { id, channel: this.channel, ...this.resumePosition(), ...(this.opts.snapshot ? { snapshot: true } : {}) };
  }

  /** The connection is gone, or the hub dropped the channel: positions are kept, delivery resumes on the next `subscribed`. */
  suspend(reason: string): void {
    this.replayLeft = 0;
    if (this.state === 'subscribed') this.machine.to('resyncing', reason);
  }

  onSubscribed(m: SubscribedMessage): void {
    if (this.state === 'closed') return;
    const epochChanged = this.ep !== undefined && m.epoch !== this.ep;
    this.ep = m.epoch;
    if (m.reset) {
      this.pos = m.seq;
      this.replayLeft = 0;
      this.confirm();
      this.emitter.emit('reset', {
        reason: epochChanged ? 'epoch_changed' : 'position_lost',
        ...(m.snapshot && this.opts.snapshot ? { snapshot: m.snapshot as LiveRecord<SnapshotRecord<D>>[] } : {}),
        seq: m.seq,
        epoch: m.epoch,
      });
      return;
    }
    if (this.pos === undefined) {
      // Nothing delivered yet: the stream starts at `seq` (a snapshot is exactly at it; replayed events, if any, are before it).
      this.pos = m.seq;
      this.replayLeft = m.replayed;
      this.replayEnd = m.seq;
      this.confirm();
      if (m.snapshot && this.opts.snapshot) {
        this.emitter.emit('reset', { reason: 'initial', snapshot: m.snapshot as LiveRecord<SnapshotRecord<D>>[], seq: m.seq, epoch: m.epoch });
      }
      if (this.replayLeft === 0) this.pos = Math.max(this.pos, m.seq);
      return;
    }
    this.replayLeft = m.replayed;
    this.replayEnd = m.seq;
    if (this.replayLeft === 0) this.pos = Math.max(this.pos, m.seq);
    this.confirm();
  }

  onEvent(m: EventMessage): void {
    if (this.state === 'closed') return;
    if (m.seq !== undefined) {
      const replayed = this.replayLeft > 0;
      if (replayed) this.replayLeft--;
      if (this.pos !== undefined && m.seq <= this.pos) {
        this.finishReplay(replayed);
        return; // seen already (an overlapping resume) or older
      }
      this.pos = m.seq;
      this.finishReplay(replayed);
    }
    if (this.filter && !this.filter.has(m.event)) return;
    this.emitter.emit('event', m as EventMessage<D>);
  }

  /** The hub refused this subscription: final. */
  fail(err: LivehubError): void {
    if (this.state === 'closed') return;
    this.emitter.emit('error', err);
    this.close(`refused: ${err.code}`, err);
  }

  close(reason: string, err?: unknown): void {
    if (this.state === 'closed') return;
    this.replayLeft = 0;
    this.machine.to('closed', reason);
    this.rejectReady(err ?? new Error(`subscription to '${this.channel}' closed: ${reason}`));
    this.emitter.clear();
  }

  private finishReplay(wasReplayed: boolean): void {
    // Once every replayed event is in, the channel is complete up to `subscribed.seq`.
    if (wasReplayed && this.replayLeft === 0 && this.pos !== undefined) this.pos = Math.max(this.pos, this.replayEnd);
  }

  private confirm(): void {
    if (this.machine.to('subscribed', 'subscribed')) this.resolveReady();
    else if (this.state === 'subscribed') this.resolveReady();
  }
}
