/**
 * Told when this node gains its first or loses its last subscriber of a channel, or session of a
 * clientId: the hub turns these into bus watches, so ephemeral traffic reaches only nodes that need it.
 */
export interface InterestListener {
  channel(name: string, watched: boolean): void;
  client(clientId: string, watched: boolean): void;
}
