import { CloseCode } from '@livehub/protocol/core';
import type { Transport } from './transports/transport.js';

export interface ProbeHooks {
  /** Still worth probing: connected, on a fallback transport. */
  wanted(): boolean;
  /** A new, unopened transport of the preferred kind; its host reports to {@link TransportProbe.failed}. */
  create(): Transport;
}

/**
 * While the client runs on a fallback transport, tries the preferred one every `intervalMs`. A
 * probe that reaches `welcome` is handed to the session (which moves every subscription onto it);
 * one that fails or stays silent for `timeoutMs` is closed and the next try is planned.
 */
export class TransportProbe {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private current: Transport | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly hooks: ProbeHooks,
  ) {}

  /** `t` is the probe in flight. */
  is(t: Transport): boolean {
    return this.current !== undefined && t === this.current;
  }

  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), this.intervalMs);
  }

  /** The probe failed (closed or timed out): try again later if still on a fallback. */
  failed(): void {
    this.stop();
    if (this.hooks.wanted()) this.schedule();
  }

  /** The probe reached `welcome`: it is the caller's transport now, no longer the probe's. */
  take(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
    this.current = undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.timer = undefined;
    this.deadline = undefined;
    this.current?.close(CloseCode.Normal, 'probe done');
    this.current = undefined;
  }

  private run(): void {
    if (!this.hooks.wanted() || this.current) return;
    const p = this.hooks.create();
    this.current = p;
    this.deadline = setTimeout(() => {
      if (this.current !== p) return;
      p.close(CloseCode.Normal, 'probe timeout');
      this.failed();
    }, this.timeoutMs);
    p.open();
  }
}
