import type { BusMessage } from './bus.js';

/** What a broker delivers to: one attached handle (one `MemoryBus`, one "node"). */
export interface BrokerPort {
  /** Whether this handle has interest in the message (changes: always). Asked before a copy is made. */
  wants(message: BusMessage): boolean;
  deliver(message: BusMessage, fromSelf: boolean): void;
}

/**
 * The in-process stand-in for a message server (a Redis, a NATS): every `MemoryBus` attached to
 * one broker is a distinct handle that receives what any of them publishes, like two connections
 * to one server would. A hub with no broker of its own gets a private one (a single node).
 */
export class MemoryBroker {
  private readonly ports = new Set<BrokerPort>();

  /** Attaches a handle; returns the detach function (idempotent). */
  attach(port: BrokerPort): () => void {
    this.ports.add(port);
    return () => {
      this.ports.delete(port);
    };
  }

  /**
   * Delivers to every attached handle with interest, synchronously, in publish order. Other
   * handles get a structured clone, as over a wire, so two nodes never share a mutable object.
   */
  publish(from: BrokerPort, message: BusMessage): void {
    // A snapshot: a handle attached or detached by a handler takes effect from the next message.
    for (const port of [...this.ports]) {
      if (!port.wants(message)) continue;
      port.deliver(port === from ? message : structuredClone(message), port === from);
    }
  }
}
