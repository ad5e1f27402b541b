import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one hub (its own registry, so several hubs in one process stay apart). */
export class HubMetrics {
  readonly registry = new Registry();
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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'livehub_process_' });
  }
}
