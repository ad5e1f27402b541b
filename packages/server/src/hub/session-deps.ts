import type { Logger } from 'pino';
import type { TransportKind } from '@livehub/protocol';
import type { Authorizer } from '../authz/authorizer.js';
import type { Authenticator } from '../auth.js';
import type { HubMetrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { Visibility } from '../visibility.js';
import type { ChannelIndex } from './channel-index.js';
import type { LimitsConfig } from './limits.js';
import type { OutboundBudget } from './outbound-budget.js';

/* What a session is and needs: its peer's identity, its limits, and the node's shared parts. */

export interface ConnectionInfo {
  connId: number;
  /** Id of the request that opened it (the WebSocket upgrade, the SSE GET): the `reqId` of its log lines. */
  reqId: string;
  clientId: string;
  transport: TransportKind;
  remote: string;
  userAgent: string | undefined;
}

export interface SessionConfig {
  maxQueueBytes: number;
  /** Bad frames tolerated between two heartbeats; one more closes the session 4400. */
  maxBadFrames: number;
  /** Frames nested deeper are refused with `too_deep` (a bad frame). */
  maxJsonDepth: number;
  maxSnapshotRecords: number;
  replayPageSize: number;
  limits: LimitsConfig;
}

/** What a session needs from its node: shared parts, never the node itself (no import cycle). */
export interface SessionDeps {
  store: Store;
  visibility: Visibility;
  authenticator: Authenticator;
  /** Who may subscribe and publish where, and which records each subscription sees. */
  authz: Authorizer;
  metrics: HubMetrics;
  log: Logger;
  config: SessionConfig;
  /** The registry's channel index: a session adds and removes its own subscriptions there. */
  index: ChannelIndex;
  /** The node's outbound bound, which every session's writer reports to. */
  budget: OutboundBudget;
  /** Last seq the node fanned out. */
  head(): number;
  publish(channel: string, event: string, data: unknown): Promise<void>;
  /** Pending while the bus is still being asked to deliver `channel` to this node (its first subscriber here). */
  watchReady(channel: string): Promise<void> | undefined;
}
