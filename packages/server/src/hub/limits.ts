/** The node's resource limits (the `limits` option; defaults and meaning in options.ts and docs/security.md). */
export interface LimitsConfig {
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerAddress: number;
  maxConnectionsPerPrincipal: number;
  messagesPerSecond: number;
  messageBurst: number;
  syncPageChanges: number;
  syncPageBytes: number;
  syncInFlightBytes: number;
  maxTotalQueueBytes: number;
}
