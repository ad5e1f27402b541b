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
