import type { Bus, BusMessage } from './bus.js';

/**
 * In-process bus. Delivers synchronously in publish order, so on one node changes reach the hub
 * in commit order. A throwing handler is reported, never allowed to fail the publisher.
 */
export class MemoryBus implements Bus {
  private readonly handlers = new Set<(m: BusMessage) => void>();

  constructor(private readonly onHandlerError: (err: unknown) => void = (err) => queueMicrotask(() => { throw err; })) {}

  async publish(message: BusMessage): Promise<void> {
    for (const h of this.handlers) {
      try {
        h(message);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }

  async subscribe(handler: (m: BusMessage) => void): Promise<() => void> {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
