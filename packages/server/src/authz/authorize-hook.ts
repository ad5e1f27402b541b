import type { Logger } from 'pino';
import type { AuthorizeHook, AuthorizeRequest } from './rules.js';

/** Answers kept at most; the oldest goes first (Map order is insertion order). */
const MAX_CACHED = 10_000;

/**
 * The app's `authorize` hook, as the hub calls it: with a timeout, a cache of its answers, and
 * every failure turned into a denial. Like Centrifugo's subscribe/publish proxy, it is asked at
 * request, subscribe and publish time, never per delivered event.
 */
export class AuthorizeHookCaller {
  private readonly cache = new Map<string, { allowed: boolean; until: number }>();

  constructor(
    private readonly hook: AuthorizeHook,
    private readonly cacheMs: number,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  async allows(req: AuthorizeRequest): Promise<boolean> {
    const key = [req.action, req.principal.sub, req.collection, req.id, req.channel, req.event].map((p) => p ?? '').join('\u0000');
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.allowed;
    if (hit) this.cache.delete(key);
    const allowed = await this.call(req);
    if (allowed !== undefined && this.cacheMs > 0) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { allowed, until: now + this.cacheMs });
    }
    return allowed === true;
  }

  /** The hook's boolean; undefined (a denial that is not cached) when it threw, timed out or answered something else. */
  private async call(req: AuthorizeRequest): Promise<boolean | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
    });
    try {
      const answer = await Promise.race([Promise.resolve().then(() => this.hook(req)), timeout]);
      if (answer === 'timeout') {
        this.log.warn({ action: req.action, sub: req.principal.sub, ms: this.timeoutMs }, 'authorize hook timed out: denied');
        return undefined;
      }
      if (typeof answer !== 'boolean') {
        this.log.warn({ action: req.action, sub: req.principal.sub }, 'authorize hook answered no boolean: denied');
        return undefined;
      }
      return answer;
    } catch (err) {
      this.log.warn({ err, action: req.action, sub: req.principal.sub }, 'authorize hook threw: denied');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
