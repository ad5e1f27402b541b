import { LivehubError } from './errors.js';

export interface TokenRefreshOptions {
  /**
   * Refresh at most this long before `exp`.
   * @default 30000
   */
  beforeExpiryMs?: number;
  /**
   * …and at most this fraction of the token's lifetime (`exp - iat`) before `exp`, so short-lived
   * tokens are not refreshed the moment they arrive. The smaller of the two leads wins.
   * @default 0.1
   */
  lifetimeRatio?: number;
}

/** setTimeout's largest delay; longer ones fire at once in every engine. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Never refresh more often than this: a `getToken` that hands back the same token must not spin. */
const MIN_REFRESH_MS = 1000;

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  // atob yields bytes as chars; claims are UTF-8 JSON.
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** `exp`/`iat` (seconds) of a JWT, without verifying it (the hub does that); undefined if not a JWT. */
export function jwtTimes(token: string): { exp?: number; iat?: number } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(parts[1]));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
    return {
      ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {}),
      ...(typeof iat === 'number' && Number.isFinite(iat) ? { iat } : {}),
    };
  } catch {
    return undefined;
  }
}

/** When (ms since epoch, hub clock) to fetch a replacement for `token`; undefined when it does not expire. */
export function refreshTime(token: string, nowMs: number, opts: TokenRefreshOptions = {}): number | undefined {
  const t = jwtTimes(token);
  if (t?.exp === undefined) return undefined;
  const expMs = t.exp * 1000;
  const lifetime = Math.max(0, expMs - (t.iat !== undefined ? t.iat * 1000 : nowMs));
  const lead = Math.min(opts.beforeExpiryMs ?? 30_000, lifetime * (opts.lifetimeRatio ?? 0.1));
  return expMs - lead;
}

/** Calls `refresh` ahead of the current token's expiry. One timer; rescheduled for every new token. */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly opts: TokenRefreshOptions,
    private readonly hooks: { now(): number; refresh(): void },
  ) {}

  /** Plans the refresh of `token` (cancelling any earlier plan). Returns the delay, if one was planned. */
  schedule(token: string | undefined): number | undefined {
    this.cancel();
    if (token === undefined) return undefined;
    const now = this.hooks.now();
    const at = refreshTime(token, now, this.opts);
    const exp = jwtTimes(token)?.exp;
    if (at === undefined || exp === undefined) return undefined;
    // A floor, but never past half the time left: the refresh must still land before `exp`.
    const floor = Math.min(MIN_REFRESH_MS, Math.max(0, (exp * 1000 - now) / 2));
    const delay = Math.min(MAX_TIMER_MS, Math.max(floor, at - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.hooks.refresh();
    }, delay);
    return delay;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Why `getToken` is called. */
export interface GetTokenContext {
  /** `connect`: no usable token yet; `expiring`: the current one nears its `exp`; `rejected`: the hub refused it (4401 / HTTP 401). */
  reason: 'connect' | 'expiring' | 'rejected';
}

export interface TokenSource {
  /** A fixed token (`options.token`). */
  token?: string | undefined;
  /** `options.getToken`. */
  getToken?: ((ctx: GetTokenContext) => string | undefined | Promise<string | undefined>) | undefined;
  tokenRefresh: TokenRefreshOptions;
}

export interface TokenHooks {
  /** Hub time (ms): token expiry is the hub's clock. */
  now(): number;
  /** A token renewed ahead of expiry: hand it to the live connection (no reconnect). */
  present(token: string): void;
  /** A refresh ahead of expiry failed (the current token still works until `exp`). */
  error(err: LivehubError): void;
  /** False once the client is closed: a refresh that lands then is dropped. */
  active(): boolean;
}

/**
 * The client's credentials: the token to use now, fetched from `getToken` when there is none, the
 * hub refused it, or it nears `exp` (concurrent callers share one fetch), and renewed ahead of
 * `exp` on a timer while connected.
 */
export class TokenManager {
  private current: string | undefined;
  private rejected = false;
  private fetching: Promise<string | undefined> | undefined;
  private readonly refresher: TokenRefresher;

  constructor(
    private readonly source: TokenSource,
    private readonly hooks: TokenHooks,
  ) {
    this.current = source.token;
    this.refresher = new TokenRefresher(source.tokenRefresh, { now: () => hooks.now(), refresh: () => void this.refreshAhead() });
  }

  /** The token as it is now (transports connect with it). */
  get token(): string | undefined {
    return this.current;
  }

  /** A refused token can be replaced (`getToken` was given). */
  get canRefresh(): boolean {
    return this.source.getToken !== undefined;
  }

  /** The hub refused the current token: the next {@link ensure} fetches another. */
  markRejected(): void {
    this.rejected = true;
  }

  /** The token to use now: fetched when there is none, it was refused, or it is about to expire. */
  async ensure(): Promise<string | undefined> {
    const get = this.source.getToken;
    if (!get) return this.current;
    const now = this.hooks.now();
    const due = this.current !== undefined ? refreshTime(this.current, now, this.source.tokenRefresh) : undefined;
    const stale = this.current === undefined || this.rejected || (due !== undefined && due <= now);
    if (!stale) return this.current;
    const reason: GetTokenContext['reason'] = this.rejected ? 'rejected' : this.current === undefined ? 'connect' : 'expiring';
    this.fetching ??= (async () => {
      try {
        const t = await get({ reason });
        // A token renewed ahead of expiry (here, for a request) also goes to the live connection.
        if (t !== undefined) {
          if (reason === 'expiring') this.adopt(t);
          else this.current = t;
        }
        this.rejected = false;
        return this.current;
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }

  /** An HTTP request got 401: a replacement, or undefined when there is no `getToken` to ask. */
  async replaceRejected(): Promise<string | undefined> {
    if (!this.source.getToken) return undefined;
    this.rejected = true;
    return this.ensure();
  }

  /** A session is up with the current token: plan its refresh ahead of `exp`. */
  scheduleRefresh(): void {
    this.refresher.schedule(this.current);
  }

  /** No live connection to refresh on. */
  cancelRefresh(): void {
    this.refresher.cancel();
  }

  /** Ahead of `exp`: a new token, presented on the live connection. */
  private async refreshAhead(): Promise<void> {
    const get = this.source.getToken;
    if (!get || !this.hooks.active()) return;
    let fresh: string | undefined;
    try {
      fresh = await get({ reason: 'expiring' });
    } catch (err) {
      this.hooks.error(new LivehubError('unauthenticated', `getToken failed: ${(err as Error).message}`, { cause: err }));
      return;
    }
    if (fresh === undefined || !this.hooks.active()) return;
    this.adopt(fresh);
  }

  /** Makes `fresh` the token: presented on the live connection, and its own refresh planned. */
  private adopt(fresh: string): void {
    this.current = fresh;
    this.hooks.present(fresh);
    this.refresher.schedule(fresh);
  }
}
