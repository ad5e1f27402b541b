import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthFailureReason } from './auth.js';
import { ChannelPatternLabels } from './channel-pattern-labels.js';

/** What the scrape-time gauges read from the running node. */
export interface MetricSources {
  /** Outbound bytes queued across the node's connections. */
  outboundBytes(): number;
  /** The change log's floor and head as the store has them. */
  bounds(): Promise<{ floor: number; head: number }>;
  /** Subscriber count per channel on this node. */
  channelCounts(): Iterable<{ channel: string; subscribers: number }>;
}

/** Prometheus metrics of one hub (its own registry, so several hubs in one process stay apart). */
export class HubMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;
  private readonly patterns = new ChannelPatternLabels();

  readonly connections = new Gauge({ name: 'livehub_connections', help: 'Open client connections (WebSocket and SSE)', registers: [this.registry] });
  readonly subscriptions = new Gauge({ name: 'livehub_subscriptions', help: 'Channel subscriptions on this node', registers: [this.registry] });
  readonly connects = new Counter({ name: 'livehub_connects_total', help: 'Client connections accepted (WebSocket and SSE)', registers: [this.registry] });
  readonly disconnects = new Counter({
    name: 'livehub_disconnects_total',
    help: 'Client connections closed, by close code (refusals before welcome included)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly changes = new Counter({ name: 'livehub_changes_total', help: 'Committed changes fanned out', registers: [this.registry] });
  readonly ephemeral = new Counter({ name: 'livehub_ephemeral_events_total', help: 'Ephemeral events published', registers: [this.registry] });
  readonly deliveries = new Counter({ name: 'livehub_deliveries_total', help: 'Event messages handed to connection writers', registers: [this.registry] });
  readonly replayed = new Counter({ name: 'livehub_replayed_events_total', help: 'Events sent from the change log on resume', registers: [this.registry] });
  readonly badFrames = new Counter({ name: 'livehub_bad_frames_total', help: 'Inbound frames refused', labelNames: ['code'], registers: [this.registry] });
  readonly logHead = new Gauge({ name: 'livehub_log_head', help: 'Last seq fanned out by this node', registers: [this.registry] });
  readonly authFailures = new Counter({
    name: 'livehub_auth_failures_total',
    help: 'Credentials refused, by reason (missing, invalid, expired, auth_timeout, no_auth_frame, wrong_principal, session_expired, error)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'livehub_http_request_duration_seconds',
    // The route pattern (`/api/c/:collection`), never the raw URL: one series per route, method and status class.
    help: 'HTTP request duration, by method, route pattern and status class (streams count until they end)',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'livehub_process_' });
    this.scraped('livehub_log_floor', 'Oldest seq the change log no longer holds (a resume from below it resets)', async (s) => (await s.bounds()).floor);
    this.scraped(
      'livehub_log_store_head',
      'Last seq committed to the change log, as the store has it (livehub_log_head lags it while fan-out catches up)',
      async (s) => (await s.bounds()).head,
    );
    this.scraped('livehub_outbound_queue_bytes', 'Outbound bytes queued across every connection of this node (writer queues and transport buffers)', (s) =>
      s.outboundBytes(),
    );
    const byPattern: Gauge = new Gauge({
      name: 'livehub_channel_subscriptions',
      help: `Subscriptions by channel pattern (the first segment: agent, agent:*, session:*; past ${ChannelPatternLabels.MAX} patterns "other")`,
      labelNames: ['pattern'],
      registers: [this.registry],
      collect: () => {
        if (!this.sources) return;
        byPattern.reset();
        for (const [pattern, n] of this.patterns.count(this.sources.channelCounts())) byPattern.set({ pattern }, n);
      },
    });
  }

  /** A gauge read from the node at each scrape. */
  private scraped(name: string, help: string, read: (s: MetricSources) => number | Promise<number>): void {
    const gauge: Gauge = new Gauge({
      name,
      help,
      registers: [this.registry],
      collect: async () => {
        if (this.sources) gauge.set(await read(this.sources));
      },
    });
  }

  /** One refusal of credentials. */
  authFailed(reason: AuthFailureReason): void {
    this.authFailures.inc({ reason });
  }

  /** Connects the scrape-time gauges to the running node (once it is built). */
  observe(sources: MetricSources): void {
    this.sources = sources;
  }
}
