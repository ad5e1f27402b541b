import { wantsEphemeral, type Bus, type BusMessage, type BusStatus, rethrowLater } from './bus.js';
import { MemoryBroker, type BrokerPort } from './memory-broker.js';

/**
 * In-process bus. Delivers synchronously in publish order, so on one node changes reach the hub
 * in commit order. A throwing handler is reported, never allowed to fail the publisher or the
 * other handlers (on this handle or any other).
 *
 * Handles built on one `MemoryBroker` are distinct "nodes" in one process that exchange messages;
 * by default each bus gets a private broker (one node), which is what `createHub()` uses. Interest
 * is honoured as on a real server: the broker skips a handle that does not watch an event's channel.
 */
export class MemoryBus implements Bus {
  private readonly handlers = new Set<(m: BusMessage) => void>();
  private readonly channels = new Set<string>();
  private readonly clients = new Set<string>();
  private readonly port: BrokerPort = {
    wants: (m) => m.kind === 'change' || wantsEphemeral(m.event, this.channels, this.clients),
    deliver: (m) => this.deliver(m),
  };
  private readonly detach: () => void;
  private closed = false;

  /**
   * @param onHandlerError where a throwing handler's error goes. Default: rethrown in a microtask
   *   (an uncaught error, so a bug is loud).
   * @param broker the broker this handle attaches to. Default: a private one.
   */
  constructor(
    private readonly onHandlerError: (err: unknown) => void = rethrowLater,
    private readonly broker: MemoryBroker = new MemoryBroker(),
  ) {
    this.detach = broker.attach(this.port);
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.closed) throw new Error('MemoryBus: publish on a closed bus');
    this.broker.publish(this.port, message);
  }

  async subscribe(handler: (m: BusMessage) => void): Promise<() => void> {
    if (this.closed) throw new Error('MemoryBus: subscribe on a closed bus');
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** The broker reads `channels` at each publish: a watch holds from the call on. */
  readonly watchesAtOnce = true;

  async watch(channel: string): Promise<void> {
    this.channels.add(channel);
  }

  async unwatch(channel: string): Promise<void> {
    this.channels.delete(channel);
  }

  async watchClient(clientId: string): Promise<void> {
    this.clients.add(clientId);
  }

  async unwatchClient(clientId: string): Promise<void> {
    this.clients.delete(clientId);
  }

  status(): BusStatus {
    return this.closed ? { kind: 'memory', ok: false, detail: 'closed' } : { kind: 'memory', ok: true };
  }

  /** Detaches from the broker and drops every handler; other handles keep working. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.detach();
    this.handlers.clear();
  }

  private deliver(message: BusMessage): void {
    // The live set: a handler removed during delivery gets no more of this message.
    for (const h of this.handlers) {
      try {
        h(message);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }
}
