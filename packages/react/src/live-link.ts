import type { EventMessage, LivehubClient, RecordChangeData } from '@livehub/client';
import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query';
import type { Applied } from './apply-change.js';
import { sharedChannels, type ChannelHandle } from './shared-channels.js';

/** What a live query reads, where its changes come from, and how one is applied. */
export interface LiveSource<V> {
  collection: string;
  channel: string;
  /** One read over HTTP, with the log position it was read at. */
  load(): Promise<{ value: V; seq: number; epoch: string }>;
  /** `seq` is the change's position, for values that carry their own (`LiveList.seq`). */
  apply(value: V, change: RecordChangeData, seq: number): Applied<V>;
}

/** Lists re-read after a failed `cover` before settling for what they have (each re-read starts later, so one is enough in practice). */
const MAX_REREADS = 4;

/**
 * Keeps one query's cached value current: listens on the shared channel from before the HTTP read,
 * buffers the changes that arrive while the read is in flight, then applies every change with a
 * seq above the read's position to the cache with `setQueryData`. Ref-counted by the hooks that
 * show the query; a query no hook shows is not followed (it is re-read when one shows it again).
 */
export class LiveLink<V> {
  private refs = 0;
  private handle: ChannelHandle | undefined;
  /** Position of the cached value; undefined while the value is not being followed. */
  private seq: number | undefined;

  /** Every change up to this seq is in the cached value (undefined while it is not being kept live). */
  get appliedSeq(): number | undefined {
    return this.seq;
  }
  private fetchGen = 0;
  private fetching = false;
  private buffer: EventMessage[] = [];
  private resetDuringFetch = false;
  private detachTimer: ReturnType<typeof setTimeout> | undefined;
  private refetchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly client: LivehubClient,
    private readonly queryClient: QueryClient,
    readonly key: QueryKey,
    private readonly source: LiveSource<V>,
    private readonly onIdle: () => void,
  ) {}

  /** A hook shows the query; returns its release. */
  retain(): () => void {
    this.refs++;
    clearTimeout(this.detachTimer);
    this.detachTimer = undefined;
    this.attach();
    // Cached from an earlier, unfollowed period: read it again, now that changes are buffered.
    const state = this.queryClient.getQueryState(this.key);
    if (this.seq === undefined && state?.data !== undefined && state.fetchStatus === 'idle') this.refetchSoon(0);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.refs === 0) this.scheduleDetach();
    };
  }

  /** The query function: read, make sure the channel covers the read, apply what arrived meanwhile. */
  async fetch(signal?: AbortSignal): Promise<V> {
    this.attach();
    const gen = ++this.fetchGen;
    this.fetching = true;
    this.buffer = [];
    try {
      this.resetDuringFetch = false;
      let page = await this.source.load();
      for (let reread = 0; reread < MAX_REREADS; reread++) {
        const covered = this.handle ? await this.handle.cover(page.seq, page.epoch) : true;
        if (covered && !this.resetDuringFetch) break;
        this.resetDuringFetch = false;
        page = await this.source.load();
      }
      if (gen !== this.fetchGen) return page.value; // superseded: TanStack keeps the newer fetch's value
      // Cancelled (cancelQueries reverts the cache to the value before): keep following that value instead.
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      let { value, seq } = page;
      let refetch = false;
      for (const e of this.buffer) {
        if (e.seq === undefined || e.seq <= seq) continue;
        const r = this.source.apply(value, e.data as RecordChangeData, e.seq);
        value = r.value;
        refetch ||= r.refetch === true;
        seq = e.seq;
      }
      this.seq = this.handle ? seq : undefined;
      if (refetch) this.refetchSoon(0);
      return value;
    } catch (err) {
      // Keep following the value already cached: the changes buffered meanwhile still apply to it.
      if (gen === this.fetchGen && this.seq !== undefined) {
        const missed = this.buffer;
        this.fetching = false;
        for (const e of missed) this.applyLive(e);
      }
      throw err;
    } finally {
      if (gen === this.fetchGen) {
        this.fetching = false;
        this.buffer = [];
        if (this.refs === 0) this.scheduleDetach();
      }
    }
  }

  private attach(): void {
    if (this.handle) return;
    this.handle = sharedChannels(this.client).attach(
      this.source.channel,
      {
        event: (e) => this.onEvent(e),
        reset: () => this.onReset(),
      },
      { live: false },
    );
  }

  private onEvent(e: EventMessage): void {
    // Record changes carry a seq; ephemeral events on the same channel never touch the cache.
    if (e.seq === undefined || !isChangeOf(e, this.source.collection)) return;
    if (this.fetching) {
      this.buffer.push(e);
      return;
    }
    this.applyLive(e);
  }

  private applyLive(e: EventMessage): void {
    if (this.seq === undefined || e.seq === undefined || e.seq <= this.seq) return;
    this.seq = e.seq;
    let refetch = false;
    this.queryClient.setQueryData<V>(this.key, (old) => {
      if (old === undefined) return old;
      const r = this.source.apply(old, e.data as RecordChangeData, e.seq!);
      refetch = r.refetch === true;
      return r.value;
    });
    // A burst that moves many records across a page boundary still refetches once.
    if (refetch) this.refetchSoon(50);
  }

  private onReset(): void {
    // The hub cannot replay what was missed: one full read replaces the cached value.
    if (this.fetching) {
      // Read again; what was buffered may even be numbered in another log (a replaced database).
      this.resetDuringFetch = true;
      this.buffer = [];
      this.seq = undefined;
      return;
    }
    this.seq = undefined;
    this.refetchSoon(0);
  }

  private refetchSoon(delayMs: number): void {
    if (this.refetchTimer !== undefined) return;
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = undefined;
      // cancelRefetch false: a read already in flight started after the change, so it includes it.
      void this.queryClient.refetchQueries({ queryKey: this.key, exact: true }, { cancelRefetch: false }).catch(() => undefined);
    }, delayMs);
  }

  private scheduleDetach(): void {
    clearTimeout(this.detachTimer);
    // StrictMode and re-keyed hooks release and retain within one turn: keep following across that.
    this.detachTimer = setTimeout(() => {
      this.detachTimer = undefined;
      if (this.refs > 0 || this.fetching) return;
      clearTimeout(this.refetchTimer);
      this.refetchTimer = undefined;
      this.handle?.release();
      this.handle = undefined;
      this.seq = undefined;
      this.onIdle();
    }, 0);
  }
}

function isChangeOf(e: EventMessage, collection: string): boolean {
  const d = e.data as Partial<RecordChangeData> | null;
  return typeof d === 'object' && d !== null && d.collection === collection && typeof d.id === 'string' && e.event === `${collection}.${d.action}`;
}

/** Live links of one client and query client, by query hash. */
const registries = new WeakMap<LivehubClient, WeakMap<QueryClient, Map<string, LiveLink<unknown>>>>();

/** The link of a query key, created on first use and dropped when it goes idle. */
export function liveLink<V>(client: LivehubClient, queryClient: QueryClient, key: QueryKey, source: () => LiveSource<V>): LiveLink<V> {
  let byQc = registries.get(client);
  if (!byQc) registries.set(client, (byQc = new WeakMap()));
  let links = byQc.get(queryClient);
  if (!links) byQc.set(queryClient, (links = new Map<string, LiveLink<unknown>>()));
  const hash = hashKey(key);
  let link = links.get(hash) as LiveLink<V> | undefined;
  if (!link) {
    const map = links;
    const created: LiveLink<V> = new LiveLink<V>(client, queryClient, key, source(), () => {
      if (map.get(hash) === created) map.delete(hash);
    });
    link = created;
    links.set(hash, link);
  }
  return link;
}

/** How far the live query of `key` has applied the change log, if it is live. */
export function appliedSeq(client: LivehubClient, queryClient: QueryClient, key: QueryKey): number | undefined {
  return registries.get(client)?.get(queryClient)?.get(hashKey(key))?.appliedSeq;
}
