import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ErrorCode } from '@livehub/protocol';
import { HubError } from '../errors.js';

export interface BrowserGuardOptions {
  /** Origins allowed cross-origin (`https://app.example.com`), or `'*'` for any. */
  allowedOrigins: readonly string[];
  /** Host names accepted beyond the defaults; `.example.com` matches its subdomains, `'*'` turns the check off. */
  allowedHosts: readonly string[];
  /** The interface the hub binds (`options.host`): a name given there is accepted as a Host. */
  boundHost: string;
  /** How long a browser may cache a preflight answer (s). */
  corsMaxAgeSec: number;
}

/** What the client SDK sends and reads cross-origin (see packages/client). */
const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const CORS_REQUEST_HEADERS = 'authorization, content-type, if-match, x-client-id, last-event-id';
const CORS_EXPOSED_HEADERS = 'x-livehub-seq, etag';

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `host[:port]` of a Host header, normalized by WHATWG URL rules (lower case, default port dropped); undefined if unparsable. */
function parseHost(host: string): { hostname: string; host: string } | undefined {
  if (/[/?#@\s]/.test(host)) return undefined;
  try {
    const u = new URL(`http://${host}`);
    return { hostname: u.hostname.replace(/\.$/, ''), host: u.host };
  } catch {
    return undefined;
  }
}

/** `scheme://host[:port]` exactly as browsers send it in `Origin`, or undefined when `value` is not one. */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin === value.toLowerCase().replace(/\/$/, '') ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Browser safety in one place, for the HTTP API, SSE and WebSocket upgrades alike:
 * - a `Host` allowlist against DNS rebinding (a page on `attacker.example` whose name now resolves to
 *   127.0.0.1 sends `Host: attacker.example`). IP literals are always accepted: a rebinding needs a
 *   name, and a page served from the hub's own IP is the hub.
 * - an `Origin` check: no `Origin` (curl, servers, native apps) and same-origin pages pass; other
 *   origins only when listed. Allowed cross-origin requests get CORS headers, refused ones none.
 */
export class BrowserGuard {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;
  private readonly anyHost: boolean;
  private readonly hosts: ReadonlySet<string>;
  private readonly suffixes: readonly string[];

  constructor(private readonly opts: BrowserGuardOptions) {
    this.anyOrigin = opts.allowedOrigins.includes('*');
    this.origins = new Set(opts.allowedOrigins.filter((o) => o !== '*').map((o) => normalizeOrigin(o) ?? o));
    this.anyHost = opts.allowedHosts.includes('*');
    const names = opts.allowedHosts.filter((h) => h !== '*').map((h) => h.toLowerCase().replace(/\.$/, ''));
    const bound = parseHost(opts.boundHost.includes(':') && !opts.boundHost.startsWith('[') ? `[${opts.boundHost}]` : opts.boundHost);
    this.hosts = new Set(['localhost', ...names.filter((n) => !n.startsWith('.')), ...(bound ? [bound.hostname] : [])]);
    this.suffixes = ['.localhost', ...names.filter((n) => n.startsWith('.'))];
  }

  /** Whether a request with this `Host` header may be served. A missing one (HTTP/1.0) is no browser's. */
  hostAllowed(hostHeader: string | undefined): boolean {
    if (this.anyHost || hostHeader === undefined) return true;
    const parsed = parseHost(hostHeader);
    if (!parsed) return false;
    const name = parsed.hostname;
    if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
    return this.hosts.has(name) || this.suffixes.some((s) => name.endsWith(s));
  }

  /** Whether a request with this `Origin` (and `Host`) may be served. */
  originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (origin === undefined || this.anyOrigin) return true;
    const normalized = normalizeOrigin(origin);
    if (normalized === undefined) return false; // `null` (sandboxed frames, file://) and garbage
    if (this.origins.has(normalized)) return true;
    const host = hostHeader !== undefined ? parseHost(hostHeader) : undefined;
    return host !== undefined && new URL(normalized).host === host.host;
  }

  /** The refusal for a request, or undefined when it may go on. Host first: a rebinding page is same-origin with itself. */
  refusal(headers: IncomingHttpHeaders): ErrorCode | undefined {
    const host = one(headers.host);
    if (!this.hostAllowed(host)) return 'host_not_allowed';
    if (!this.originAllowed(one(headers.origin), host)) return 'origin_not_allowed';
    return undefined;
  }

  /**
   * A fastify `onRequest` hook installed before the auth hook, so that a 401 reaches an allowed
   * page with its CORS headers (a browser hides a response without them from the page).
   */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => {
      const refused = this.refusal(req.headers);
      if (refused) throw new HubError(refused);
      const origin = one(req.headers.origin);
      if (origin === undefined) return;
      // On the raw response: an event stream hijacks its reply and writes its head itself.
      reply.raw.setHeader('vary', 'Origin');
      reply.raw.setHeader('access-control-allow-origin', origin);
      reply.raw.setHeader('access-control-expose-headers', CORS_EXPOSED_HEADERS);
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        // Preflight: answered here for every path, before routing and auth (preflights carry no token).
        return reply
          .status(204)
          .header('access-control-allow-methods', CORS_METHODS)
          .header('access-control-allow-headers', CORS_REQUEST_HEADERS)
          .header('access-control-max-age', String(this.opts.corsMaxAgeSec))
          .send();
      }
    });
  }
}
